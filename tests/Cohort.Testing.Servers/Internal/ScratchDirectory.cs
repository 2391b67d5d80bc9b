using System.Globalization;
using System.Security.Cryptography;

namespace Cohort.Testing.Servers.Internal;

/// <summary>
/// The temp folders servers keep their data, config and log in: <c>$TMPDIR/cohort-test-servers-&lt;user&gt;/&lt;kind&gt;-&lt;pid&gt;-&lt;random&gt;</c>.
/// The owning test process id in the name lets a later run clean up after a test host that was killed: folders whose
/// owner is gone are deleted, and the server recorded in them is killed if it still runs.
/// </summary>
internal static class ScratchDirectory
{
    public const string ServerPidFile = "server.pid";
    private static readonly Lazy<string> Root = new(CreateRoot);

    public static string Create(string kind)
    {
        var name = string.Create(
            CultureInfo.InvariantCulture,
            $"{kind}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var path = Path.Combine(Root.Value, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The folder all scratch folders of this user live in (created and swept on first use).</summary>
    public static string RootPath => Root.Value;

    /// <summary>
    /// Deletes a scratch folder. A server process that is still exiting may remove files of it at the same time (a
    /// file listed a moment ago is gone: <see cref="DirectoryNotFoundException"/>), so the delete is retried a few times.
    /// </summary>
    public static void Delete(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }

    private static string CreateRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "cohort-test-servers-" + Environment.UserName);
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
        {
            // Traversable by the postgres user when the tests run as root and PostgreSQL runs as postgres.
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        SweepAbandoned(root);
        return root;
    }

    private static void SweepAbandoned(string root)
    {
        if (!Directory.Exists("/proc"))
        {
            return;
        }

        foreach (var dir in Directory.GetDirectories(root))
        {
            if (IsAbandonedTemplateBuild(Path.GetFileName(dir)))
            {
                TryDelete(dir);
                continue;
            }

            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                || Posix.IsAlive(owner))
            {
                continue;
            }

            try
            {
                var pidFile = Path.Combine(dir, ServerPidFile);
                if (File.Exists(pidFile)
                    && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var server)
                    && Posix.CommandLine(server).Contains(dir, StringComparison.Ordinal))
                {
                    Posix.Signal(server, Posix.SigKill);
                }

            }
            catch (IOException)
            {
                // Best effort on leftovers of a dead run: the process or its pid file may go while we look.
            }

            TryDelete(dir);
        }
    }

    /// <summary>"template.&lt;kind&gt;.&lt;key&gt;.building.&lt;pid&gt;.&lt;random&gt;" whose builder process is gone.</summary>
    private static bool IsAbandonedTemplateBuild(string name)
    {
        var parts = name.Split('.');
        return parts.Length == 6 && parts[0] == "template" && parts[3] == "building"
            && int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var builder)
            && !Posix.IsAlive(builder);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort on leftovers of a dead run: another process may be sweeping the same folder right now.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort: a folder we cannot delete is left for its owner.
        }
    }
}
