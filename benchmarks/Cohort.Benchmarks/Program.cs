using BenchmarkDotNet.Running;

// Run one benchmark class:  dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter '*LineProtocol*'
// List them:                dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --list flat
// CPU time (not wall time) of the aggregation comparison: dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- aggregation-cpu [raw measures, default 1000000] [repeats, default 5]
// The research export once at a scale set by COHORT_EXPORT_* (see ExportBenchmarks): dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- export-once
if (args is ["export-once", ..])
{
    await Cohort.Benchmarks.ExportBenchmarks.MeasureOnceAsync();
    return;
}

if (args is ["aggregation-cpu", ..])
{
    await Cohort.Benchmarks.Aggregation.PostgresAggregationBenchmarks.MeasureCpuTimeAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The benchmark host's entry point type.</summary>
internal sealed partial class Program;
