using BenchmarkDotNet.Running;

// Run one benchmark class:  dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter '*LineProtocol*'
// List them:                dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --list flat
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The benchmark host's entry point type.</summary>
internal sealed partial class Program;
