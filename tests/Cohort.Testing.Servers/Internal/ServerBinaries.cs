namespace Cohort.Testing.Servers.Internal;

/// <summary>Finds the server programs; a missing one names the Debian package and the install script.</summary>
internal static class ServerBinaries
{
    public const string InstallScript = "scripts/install-test-deps.sh";

    /// <summary>The first existing file among <paramref name="candidates"/>, then <paramref name="name"/> on PATH.</summary>
    public static string Find(string name, string debianPackage, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new TestServerException(
            $"'{name}' was not found (looked in {string.Join(", ", candidates.Append("PATH"))}). " +
            $"Install the Debian package '{debianPackage}' (apt-get install {debianPackage}), " +
            $"or run 'bash {InstallScript}' as root, which installs every server the tests need.");
    }

    /// <summary>
    /// The bin folder of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout), else the folder of
    /// <c>initdb</c> on PATH. <c>COHORT_PG_BIN</c> overrides both.
    /// </summary>
    public static string PostgresBinDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("COHORT_PG_BIN");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .OrderByDescending(x => x.Version == 15 ? int.MaxValue : x.Version)
                .Select(x => Path.Combine(x.Dir, "bin", "initdb")));
        }

        var initdb = Find("initdb", "postgresql", [.. candidates]);
        return Path.GetDirectoryName(initdb)!;
    }
}
