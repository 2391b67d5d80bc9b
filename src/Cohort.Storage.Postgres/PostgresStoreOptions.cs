using Npgsql;

namespace Cohort.Storage.Postgres;

/// <summary>Options of the PostgreSQL store.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The URI scheme of PostgreSQL store URIs: <c>postgres:&lt;connection string&gt;</c>.</summary>
    public const string UriScheme = "postgres";

    /// <summary>The Npgsql connection string; ignored when <see cref="DataSource"/> is set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A data source owned by the caller (not disposed by the store); wins over <see cref="ConnectionString"/>.</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>
    /// The prefix of tenant schema names: tenant <c>alice</c> lives in schema <c>&lt;prefix&gt;alice</c> (a quoted
    /// identifier, so case is kept). ASCII letters, digits and <c>_</c>, starting with a letter or <c>_</c>, at most 30
    /// characters. Defaults to <c>cohort_</c>.
    /// </summary>
    public string SchemaPrefix { get; set; } = "cohort_";

    /// <summary>The most values sent in one binary COPY into the staging table (a batch is still one transaction). Defaults to 50 000.</summary>
    public int BatchSize { get; set; } = 50_000;

    /// <summary>
    /// How far behind the current time rollups are materialised by a refresh (TimescaleDB's <c>end_offset</c>): buckets
    /// ending after now minus this lag stay in the real-time raw tail. Default one hour (as Cohort.Aggregation's), not
    /// negative.
    /// </summary>
    public TimeSpan RollupRefreshLag { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Options from a store URI <c>postgres:&lt;connection string&gt;</c> (also <c>postgresql:</c>).</summary>
    /// <exception cref="FormatException">The text is not a PostgreSQL store URI.</exception>
    public static PostgresStoreOptions FromUri(string storeUri)
    {
        ArgumentNullException.ThrowIfNull(storeUri);
        return TryFromUri(storeUri, out var options)
            ? options
            : throw new FormatException($"'{storeUri}' is not a PostgreSQL store URI; expected 'postgres:Host=...;Database=...'.");
    }

    /// <summary>Options from a store URI, or <see langword="false"/> when the text is not one (see <see cref="FromUri"/>).</summary>
    public static bool TryFromUri(string? storeUri, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PostgresStoreOptions? options)
    {
        options = null;
        if (storeUri is null)
        {
            return false;
        }

        string rest;
        if (storeUri.StartsWith("postgresql:", StringComparison.OrdinalIgnoreCase))
        {
            rest = storeUri["postgresql:".Length..];
        }
        else if (storeUri.StartsWith(UriScheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            rest = storeUri[(UriScheme.Length + 1)..];
        }
        else
        {
            return false;
        }

        if (string.IsNullOrWhiteSpace(rest) || rest.StartsWith("//", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(rest);
            if (string.IsNullOrEmpty(builder.Host))
            {
                return false;
            }
        }
        catch (ArgumentException)
        {
            return false;
        }

        options = new PostgresStoreOptions { ConnectionString = rest };
        return true;
    }

    /// <summary>Checks the options; returns the problems found (empty when valid).</summary>
    internal IEnumerable<string> Validate()
    {
        if (DataSource is null && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return "PostgresStoreOptions.ConnectionString or PostgresStoreOptions.DataSource must be set.";
        }

        if (SchemaPrefix is null || SchemaPrefix.Length > 30 ||
            (SchemaPrefix.Length > 0 && !(char.IsAsciiLetter(SchemaPrefix[0]) || SchemaPrefix[0] == '_')) ||
            !SchemaPrefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            yield return "PostgresStoreOptions.SchemaPrefix must be at most 30 ASCII letters, digits or '_', not starting with a digit.";
        }

        if (RollupRefreshLag < TimeSpan.Zero)
        {
            yield return "PostgresStoreOptions.RollupRefreshLag must not be negative.";
        }

        if (BatchSize < 1)
        {
            yield return "PostgresStoreOptions.BatchSize must be positive.";
        }
    }

    internal PostgresStoreOptions Clone() => (PostgresStoreOptions)MemberwiseClone();
}
