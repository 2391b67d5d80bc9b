using System.Diagnostics;

namespace Cohort.Scripts.Tests;

/// <summary>Finds the repository and runs <c>dotnet</c> in it.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Scripts => Path.Combine(Root, "samples", "scripts");

    public static string Notebooks => Path.Combine(Root, "samples", "notebooks");

    /// <summary>Runs <c>dotnet run -c Release &lt;script&gt; -- args</c> from the repository root.</summary>
    public static async Task<(int ExitCode, string Output)> RunScriptAsync(string script, params string[] args)
    {
        ProcessStartInfo start = new(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in (string[])["run", "-c", "Release", Path.Combine("samples", "scripts", script), "--", .. args])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Sdk.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("Sdk.sln not found above " + AppContext.BaseDirectory);
    }
}
