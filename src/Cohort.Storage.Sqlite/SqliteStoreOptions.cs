namespace Cohort.Storage.Sqlite;

/// <summary>How a <see cref="SqlitePointStore"/> lays tenants out on disk.</summary>
public enum SqliteStoreMode
{
    /// <summary>One database file per tenant, named after the tenant id (the default).</summary>
    FilePerTenant = 0,

    /// <summary>One database file for every tenant; the store keeps each row's tenant and filters on it.</summary>
    SingleFile = 1,
}

/// <summary>Options of the SQLite store.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The URI scheme of SQLite store URIs: <c>sqlite:&lt;path&gt;</c>.</summary>
    public const string UriScheme = "sqlite";

    /// <summary>The folder that holds the database files; created when missing. Defaults to the working folder.</summary>
    public string DataDirectory { get; set; } = ".";

    /// <summary>One file per tenant (the default) or one shared file.</summary>
    public SqliteStoreMode Mode { get; set; } = SqliteStoreMode.FilePerTenant;

    /// <summary>The file name used in <see cref="SqliteStoreMode.SingleFile"/> mode, inside <see cref="DataDirectory"/>.</summary>
    public string SingleFileName { get; set; } = "cohort.db";

    /// <summary>
    /// How long an operation waits for a database another connection or process has locked before it fails with a
    /// transient <see cref="Core.StoreUnavailableException"/>. Defaults to 5 seconds; waits are counted in whole
    /// seconds, at least one.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Options from a store URI: <c>sqlite:&lt;folder&gt;</c> keeps one file per tenant in that folder;
    /// <c>sqlite:&lt;file&gt;.db</c> (or <c>.sqlite</c>, <c>.sqlite3</c>) keeps every tenant in that one file.
    /// </summary>
    /// <exception cref="FormatException">The text is not a SQLite store URI.</exception>
    public static SqliteStoreOptions FromUri(string storeUri)
    {
        ArgumentNullException.ThrowIfNull(storeUri);
        return TryFromUri(storeUri, out var options)
            ? options
            : throw new FormatException($"'{storeUri}' is not a SQLite store URI; expected 'sqlite:<folder>' or 'sqlite:<file>.db'.");
    }

    /// <summary>Options from a store URI, or <see langword="false"/> when the text is not one (see <see cref="FromUri"/>).</summary>
    public static bool TryFromUri(string? storeUri, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqliteStoreOptions? options)
    {
        options = null;
        if (storeUri is null || !storeUri.StartsWith(UriScheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var path = storeUri[(UriScheme.Length + 1)..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            // sqlite:///abs/path and sqlite://rel/path are accepted as written by habit from other URI schemes.
            path = path[2..];
        }

        if (path.Length == 0 || path.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            return false;
        }

        var extension = Path.GetExtension(path);
        if (extension.Equals(".db", StringComparison.OrdinalIgnoreCase) ||
            extension.Equals(".sqlite", StringComparison.OrdinalIgnoreCase) ||
            extension.Equals(".sqlite3", StringComparison.OrdinalIgnoreCase))
        {
            var directory = Path.GetDirectoryName(path);
            options = new SqliteStoreOptions
            {
                DataDirectory = string.IsNullOrEmpty(directory) ? "." : directory,
                Mode = SqliteStoreMode.SingleFile,
                SingleFileName = Path.GetFileName(path),
            };
        }
        else
        {
            options = new SqliteStoreOptions { DataDirectory = path };
        }

        return true;
    }

    /// <summary>Checks the options; returns the problems found (empty when valid).</summary>
    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return "SqliteStoreOptions.DataDirectory must be set.";
        }

        if (Mode is not (SqliteStoreMode.FilePerTenant or SqliteStoreMode.SingleFile))
        {
            yield return $"SqliteStoreOptions.Mode {Mode} is unknown.";
        }

        if (Mode == SqliteStoreMode.SingleFile &&
            (string.IsNullOrWhiteSpace(SingleFileName) || SingleFileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0))
        {
            yield return "SqliteStoreOptions.SingleFileName must be a plain file name.";
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            yield return "SqliteStoreOptions.BusyTimeout must be positive and at most one hour.";
        }
    }

    internal SqliteStoreOptions Clone() => (SqliteStoreOptions)MemberwiseClone();
}
