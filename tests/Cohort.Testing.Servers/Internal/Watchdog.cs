using System.Diagnostics;
using System.Globalization;

namespace Cohort.Testing.Servers.Internal;

/// <summary>
/// Ends a server when the test process dies without cleaning up (a test host killed by its runner, a crash): a tiny
/// <c>/bin/sh</c> that blocks reading a pipe from the test process. The kernel closes the pipe when the test process
/// goes, however it goes; the read returns and the watchdog signals the server, kills it if it lingers, and deletes
/// its folder. A normal stop kills the watchdog first.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly Process process;

    private Watchdog(Process process) => this.process = process;

    public static Watchdog? Start(int serverPid, int signal, string directory)
    {
        if (!File.Exists("/bin/sh"))
        {
            return null;
        }

        const string Script = """
            read _ignored
            alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
            kill -s "$2" "$1" 2>/dev/null
            i=0
            while alive "$1" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            kill -s KILL "$1" 2>/dev/null
            sleep 0.2
            rm -rf -- "$3"
            """;
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // the pipe whose end-of-file means "the test process is gone"
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        foreach (var argument in new[] { "-c", Script, "cohort-watchdog", serverPid.ToString(CultureInfo.InvariantCulture), SignalName(signal), directory })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new TestServerException("Could not start the watchdog /bin/sh.");
        return new Watchdog(process);
    }

    /// <summary>Sets the watchdog off now, as if the test process had died: it stops the server and deletes the folder.</summary>
    public void Trigger() => process.StandardInput.Close();

    /// <summary>Waits up to <paramref name="timeout"/> for a triggered watchdog to finish; true when it did.</summary>
    public bool WaitForExit(TimeSpan timeout) => timeout > TimeSpan.Zero && process.WaitForExit(timeout);

    /// <summary>Ends the watchdog without touching the server.</summary>
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    private static string SignalName(int signal) => signal switch
    {
        Posix.SigInt => "INT",
        Posix.SigQuit => "QUIT",
        Posix.SigKill => "KILL",
        _ => "TERM",
    };
}
