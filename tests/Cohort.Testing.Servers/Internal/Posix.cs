using System.Runtime.InteropServices;

namespace Cohort.Testing.Servers.Internal;

/// <summary>The few POSIX calls .NET has no API for: sending a signal other than SIGKILL.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process is gone.</summary>
    public static bool Signal(int pid, int signal) => NativeMethods.kill(pid, signal) == 0;

    /// <summary>True when a process with this id exists (it may belong to another user).</summary>
    public static bool IsAlive(int pid) => pid > 0 && Directory.Exists($"/proc/{pid}");

    /// <summary>The command line of a live process, arguments joined by spaces; empty when it cannot be read.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty; // the process ended between the check and the read
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty; // another user's process: not one of ours
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SA1300, IDE1006 // the C name
        internal static extern int kill(int pid, int sig);
#pragma warning restore SA1300, IDE1006
    }
}
