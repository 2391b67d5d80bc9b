using System.Diagnostics;
using System.Reflection;

namespace Cohort.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs the built <c>cohort</c> tool as a separate process, as a user or a script would.</summary>
internal static class CliRunner
{
    private static readonly Lazy<string> ToolPath = new(FindTool);

    public static async Task<CliResult> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath.Value);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindTool()
    {
        var configuration = typeof(CliRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sdk.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("Could not find the repository root (Sdk.sln) above " + AppContext.BaseDirectory);
        }

        var path = Path.Combine(dir.FullName, "src", "Cohort.Cli", "bin", configuration, "net10.0", "cohort.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The cohort tool is not built.", path);
    }
}
