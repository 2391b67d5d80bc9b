using System.Globalization;
using System.Text;

namespace Cohort.Storage.Postgres.Internal;

/// <summary>The SQL text of the adapter: names, migrations, partitions and the TimescaleDB variants.</summary>
internal static class PostgresSql
{
    /// <summary>The schema version this library writes; a tenant schema with a higher one is refused.</summary>
    public const int CurrentVersion = 4;

    /// <summary>One week in nanoseconds: the width of a time partition (or hypertable chunk).</summary>
    public const long PartitionWidth = 7L * 24 * 3600 * 1_000_000_000;

    /// <summary>Weekly partitions are created for 1970-01-01 up to this week index (about year 2200); others use the default partition.</summary>
    public const long LastPartitionedWeek = 12_000;

    private const int MaxIdentifierBytes = 63;

    /// <summary>The schema name of a tenant: prefix + id, shortened with a hash when longer than PostgreSQL keeps.</summary>
    public static string SchemaName(string prefix, string tenantId)
    {
        var name = prefix + tenantId;
        if (name.Length <= MaxIdentifierBytes)
        {
            return name;
        }

        var hash = Fnv1a64(name).ToString("x16", CultureInfo.InvariantCulture);
        return name[..(MaxIdentifierBytes - hash.Length - 1)] + "_" + hash;
    }

    /// <summary>A double-quoted identifier.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The advisory lock key of a tenant schema (stable across processes).</summary>
    public static long LockKey(string schema) => unchecked((long)Fnv1a64("cohort:" + schema));

    /// <summary>The statements of migration 1, in order.</summary>
    public static IReadOnlyList<string> Migration1(string schema, bool timescale)
    {
        var s = Quote(schema);
        var statements = new List<string>
        {
            $"CREATE TABLE IF NOT EXISTS {s}.series (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, measurement text NOT NULL, tags_text text NOT NULL, tags jsonb NOT NULL, UNIQUE (measurement, tags_text))",
            $"CREATE TABLE IF NOT EXISTS {s}.fields (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, measurement text NOT NULL, field text NOT NULL, kind smallint NOT NULL CHECK (kind BETWEEN 0 AND 4), UNIQUE (measurement, field))",
        };
        const string Columns = "series_id bigint NOT NULL, time bigint NOT NULL, field_id integer NOT NULL, kind smallint NOT NULL, v_double double precision, v_int bigint, v_bool boolean, v_text text, PRIMARY KEY (series_id, time, field_id)";
        if (timescale)
        {
            statements.Add($"CREATE TABLE IF NOT EXISTS {s}.points ({Columns})");
            statements.AddRange(Hypertable(schema));
        }
        else
        {
            statements.Add($"CREATE TABLE IF NOT EXISTS {s}.points ({Columns}) PARTITION BY RANGE (time)");
            statements.Add($"CREATE TABLE IF NOT EXISTS {s}.points_default PARTITION OF {s}.points DEFAULT");
        }

        return statements;
    }

    /// <summary>
    /// TimescaleDB: turn <c>points</c> into a hypertable on its bigint nanosecond time with weekly chunks, and give it
    /// an "integer now" function (needed by continuous aggregates on integer time).
    /// </summary>
    public static IReadOnlyList<string> Hypertable(string schema)
    {
        var s = Quote(schema);
        var table = Literal(s + ".points");
        var width = PartitionWidth.ToString(CultureInfo.InvariantCulture);
        return
        [
            $"SELECT create_hypertable({table}, 'time', chunk_time_interval => {width}::bigint, if_not_exists => TRUE)",
            $"CREATE OR REPLACE FUNCTION {s}.cohort_now_ns() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT (extract(epoch FROM now()) * 1000000000)::bigint $$",
            $"SELECT set_integer_now_func({table}, {Literal(s + ".cohort_now_ns")}, replace_if_exists => TRUE)",
        ];
    }

    /// <summary>
    /// Migration 3: the retention record of a tenant schema, one row holding the latest cutoff raw points were deleted
    /// before (<see cref="Cohort.Core.IPointDeleter"/>); rollup buckets before it are final.
    /// </summary>
    public static IReadOnlyList<string> Migration3(string schema) =>
    [
        $"CREATE TABLE IF NOT EXISTS {Quote(schema)}.cohort_retention (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), " +
        "purged_before bigint NOT NULL, purged_at timestamptz NOT NULL DEFAULT now())",
    ];

    /// <summary>Records a purge cutoff (never moving it back). Parameter: @before.</summary>
    public static string RecordPurge(string schema) =>
        $"INSERT INTO {Quote(schema)}.cohort_retention (purged_before) VALUES (@before) ON CONFLICT (singleton) DO UPDATE " +
        "SET purged_before = GREATEST(cohort_retention.purged_before, excluded.purged_before), purged_at = now()";

    /// <summary>The latest purge cutoff of a schema (no row when never purged).</summary>
    public static string PurgedBefore(string schema) => $"SELECT purged_before FROM {Quote(schema)}.cohort_retention";

    /// <summary>The weekly partitions of a schema's <c>points</c> table (names).</summary>
    public const string ListPartitions =
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(@points)";

    /// <summary>The week of a partition name made by <see cref="PartitionName"/>, or null for other names.</summary>
    public static long? WeekOfPartition(string name) =>
        name.StartsWith("points_w", StringComparison.Ordinal) &&
        long.TryParse(name.AsSpan("points_w".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var week)
            ? week
            : null;

    /// <summary>The name of the weekly partition holding <paramref name="week"/> (weeks since 1970-01-01).</summary>
    public static string PartitionName(long week) => "points_w" + week.ToString(CultureInfo.InvariantCulture);

    /// <summary>Creates the weekly partition of <paramref name="week"/>.</summary>
    public static string CreatePartition(string schema, long week)
    {
        var s = Quote(schema);
        var from = (week * PartitionWidth).ToString(CultureInfo.InvariantCulture);
        var to = ((week + 1) * PartitionWidth).ToString(CultureInfo.InvariantCulture);
        return $"CREATE TABLE IF NOT EXISTS {s}.{Quote(PartitionName(week))} PARTITION OF {s}.points FOR VALUES FROM ({from}) TO ({to})";
    }

    /// <summary>The week a timestamp falls in, or null when it belongs to the default partition.</summary>
    public static long? WeekOf(long timestamp)
    {
        if (timestamp < 0)
        {
            return null;
        }

        var week = timestamp / PartitionWidth;
        return week <= LastPartitionedWeek ? week : null;
    }

    /// <summary>A single-quoted SQL string literal.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>FNV-1a over the UTF-8 bytes: stable names and lock keys across processes.</summary>
    public static ulong Fnv1a64(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return hash;
    }
}
