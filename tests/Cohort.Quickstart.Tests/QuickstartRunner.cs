using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Cohort.Quickstart.Tests;

/// <summary>What one run of the quickstart printed, returned and wrote.</summary>
internal sealed record QuickstartRun(int ExitCode, string StdOut, string StdErr, string OutputDirectory)
{
    public JsonElement Report => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "report.json"))).RootElement;
}

/// <summary>Runs the built quickstart as a separate process, as a user (or CI) does with <c>dotnet run</c>.</summary>
internal static class QuickstartRunner
{
    private static readonly Lazy<string> AppPath = new(FindApp);

    /// <summary>A fresh folder for one run's <c>--out</c>.</summary>
    public static string NewOutputDirectory() => Path.Combine(Path.GetTempPath(), "cohort-quickstart-tests", Guid.NewGuid().ToString("N"));

    public static async Task<QuickstartRun> RunAsync(string outputDirectory, params string[] args)
    {
        using var process = Start(outputDirectory, args, out var stdout, out var stderr);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new QuickstartRun(process.ExitCode, await stdout, await stderr, outputDirectory);
    }

    /// <summary>Starts a run, waits until <paramref name="ready"/> holds for its output so far, then sends SIGINT (Ctrl+C).</summary>
    public static async Task<QuickstartRun> RunAndInterruptAsync(string outputDirectory, Func<string, bool> ready, params string[] args)
    {
        var seen = new StringBuilder();
        using var process = Start(outputDirectory, args, out var reading, out var stderr, line =>
        {
            lock (seen)
            {
                seen.AppendLine(line);
            }
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            lock (seen)
            {
                if (ready(seen.ToString()))
                {
                    break;
                }
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException("The quickstart ended before it was interrupted: " + seen + await stderr);
            }

            await Task.Delay(100, timeout.Token);
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
        await reading;
        var errors = await stderr;
        lock (seen)
        {
            return new QuickstartRun(process.ExitCode, seen.ToString(), errors, outputDirectory);
        }
    }

    private static Process Start(string outputDirectory, string[] args, out Task<string> stdout, out Task<string> stderr, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppPath.Value);
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(outputDirectory);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        stderr = process.StandardError.ReadToEndAsync();
        if (onLine is null)
        {
            stdout = process.StandardOutput.ReadToEndAsync();
        }
        else
        {
            stdout = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    onLine(line);
                }

                return string.Empty;
            });
        }

        return process;
    }

    // The referenced quickstart is copied beside the tests with its runtimeconfig.json and deps.json: run it from here.
    private static string FindApp()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Cohort.Quickstart.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The quickstart is not built beside the tests.", path);
    }
}
