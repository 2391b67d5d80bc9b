using System.Globalization;
using Cohort.Core;

namespace Cohort.Storage.Postgres.Internal;

/// <summary>
/// The SQL of continuous rollups, for both paths: plain PostgreSQL (a rollup table per (measurement, field, period)
/// materialised up to a watermark, late buckets recomputed in the writing transaction, a real-time read that adds the
/// raw tail) and TimescaleDB (a continuous aggregate with real-time aggregation and a refresh policy). Buckets,
/// numbers and first/last follow the in-process engine: see <see cref="RollupDefinition"/> and <see cref="RollupBucket"/>.
/// </summary>
internal static class RollupSql
{
    /// <summary>The columns of a rollup table or view, in the order every query returns them.</summary>
    public const string Columns = "bucket, count, sum, min, max, first_value, last_value";

    /// <summary>The rollup registry of a tenant schema (migration 2): one row per maintained rollup.</summary>
    public static IReadOnlyList<string> Migration2(string schema) =>
    [
        $"CREATE TABLE IF NOT EXISTS {PostgresSql.Quote(schema)}.cohort_rollups (" +
        "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, measurement text NOT NULL, field text NOT NULL, " +
        "period bigint NOT NULL CHECK (period > 0), relation text NOT NULL UNIQUE, " +
        $"watermark bigint NOT NULL DEFAULT {Number(long.MinValue)}, timescale boolean NOT NULL, " +
        "created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (measurement, field, period))",
    ];

    /// <summary>
    /// Migration 4: each rollup's deletion floor (rollup retention, <see cref="IRollupBucketDeleter"/>): its buckets
    /// starting before it were deleted and are never materialised, recomputed or read from raw again.
    /// </summary>
    public static IReadOnlyList<string> Migration4(string schema) =>
    [
        $"ALTER TABLE {PostgresSql.Quote(schema)}.cohort_rollups ADD COLUMN IF NOT EXISTS deleted_before bigint NOT NULL DEFAULT {Number(long.MinValue)}",
    ];

    /// <summary>The name of a rollup's table (or continuous aggregate): stable, at most 63 bytes.</summary>
    public static string RelationName(RollupDefinition rollup) => string.Create(
        CultureInfo.InvariantCulture,
        $"rollup_{PostgresSql.Fnv1a64(rollup.Field.Device + "\0" + rollup.Field.Field):x16}_{rollup.PeriodNanoseconds}");

    // ---- Registry ------------------------------------------------------------------------------------------------

    /// <summary>Registers a rollup (idempotent). Parameters: @measurement, @field, @period, @relation, @timescale.</summary>
    public static string Register(string schema) =>
        $"INSERT INTO {PostgresSql.Quote(schema)}.cohort_rollups (measurement, field, period, relation, timescale) " +
        "VALUES (@measurement, @field, @period, @relation, @timescale) ON CONFLICT (measurement, field, period) DO NOTHING";

    /// <summary>
    /// One rollup's registry row (id, relation, watermark, timescale, deleted_before), optionally locked. Parameters:
    /// @measurement, @field, @period.
    /// </summary>
    public static string Find(string schema, string lockClause = "") =>
        $"SELECT id, relation, watermark, timescale, deleted_before FROM {PostgresSql.Quote(schema)}.cohort_rollups " +
        $"WHERE measurement = @measurement AND field = @field AND period = @period{lockClause}";

    /// <summary>
    /// Every registered rollup of a schema: id, measurement, field, period, relation, watermark, timescale,
    /// deleted_before; optionally locked.
    /// </summary>
    public static string List(string schema, string lockClause = "") =>
        $"SELECT id, measurement, field, period, relation, watermark, timescale, deleted_before FROM {PostgresSql.Quote(schema)}.cohort_rollups ORDER BY id{lockClause}";

    /// <summary>
    /// The plain-path rollups over the (measurement, field) pairs a batch wrote, share-locked until the write commits
    /// (a refresh waits for the write; the write sees the watermark a concurrent refresh committed). Parameters:
    /// @measurements, @fields (parallel arrays).
    /// </summary>
    public static string LockForWrite(string schema) =>
        $"SELECT r.id, r.measurement, r.field, r.period, r.relation, r.watermark, r.deleted_before FROM {PostgresSql.Quote(schema)}.cohort_rollups r " +
        "WHERE NOT r.timescale AND (r.measurement, r.field) IN (SELECT m, f FROM unnest(@measurements, @fields) AS u(m, f)) " +
        "ORDER BY r.id FOR SHARE OF r";

    /// <summary>Every plain-path rollup of a schema, locked for a purge: id, measurement, field, period, relation, watermark.</summary>
    public static string LockForPurge(string schema) =>
        $"SELECT id, measurement, field, period, relation, watermark FROM {PostgresSql.Quote(schema)}.cohort_rollups " +
        "WHERE NOT timescale ORDER BY id FOR UPDATE";

    /// <summary>Moves a rollup's watermark. Parameters: @id, @watermark.</summary>
    public static string SetWatermark(string schema) =>
        $"UPDATE {PostgresSql.Quote(schema)}.cohort_rollups SET watermark = @watermark WHERE id = @id";

    /// <summary>
    /// Raises a rollup's deletion floor (never moving it back) and, on the plain path, its watermark to at least the
    /// floor: nothing below it is materialised or read from raw again. Parameters: @id, @floor.
    /// </summary>
    public static string SetDeletionFloor(string schema) =>
        $"UPDATE {PostgresSql.Quote(schema)}.cohort_rollups SET deleted_before = GREATEST(deleted_before, @floor), " +
        "watermark = CASE WHEN timescale THEN watermark ELSE GREATEST(watermark, @floor) END WHERE id = @id";

    /// <summary>Forgets a rollup. Parameter: @id.</summary>
    public static string Unregister(string schema) => $"DELETE FROM {PostgresSql.Quote(schema)}.cohort_rollups WHERE id = @id";

    // ---- Plain PostgreSQL ----------------------------------------------------------------------------------------

    /// <summary>Creates a rollup table: one row per materialised bucket.</summary>
    public static string CreateTable(string schema, string relation) =>
        $"CREATE TABLE IF NOT EXISTS {Relation(schema, relation)} (bucket bigint PRIMARY KEY, count bigint NOT NULL, " +
        "sum double precision NOT NULL, min double precision NOT NULL, max double precision NOT NULL, " +
        "first_value double precision NOT NULL, last_value double precision NOT NULL)";

    /// <summary>Drops a rollup table.</summary>
    public static string DropTable(string schema, string relation) => $"DROP TABLE IF EXISTS {Relation(schema, relation)}";

    /// <summary>Deletes a rollup table's buckets starting before @floor (whole buckets: rollup retention).</summary>
    public static string DeleteBuckets(string schema, string relation) =>
        $"DELETE FROM {Relation(schema, relation)} WHERE bucket < @floor";

    /// <summary>
    /// The buckets of the field's raw points in [@from, @to), aggregated: <see cref="Columns"/>. Parameters:
    /// @measurement, @field, @from, @to.
    /// </summary>
    public static string AggregateRaw(string schema, RollupDefinition rollup) => Aggregate(
        schema,
        Bucket("p.time", rollup),
        $"{PostgresSql.Quote(schema)}.points p",
        $"p.time >= @from AND p.time < @to AND p.time >= {Number(rollup.FirstBucketStart)}");

    /// <summary>
    /// Materialises the buckets of [@from, @to) into the rollup table (a refresh). Parameters: those of
    /// <see cref="AggregateRaw"/>.
    /// </summary>
    public static string Materialize(string schema, string relation, RollupDefinition rollup) =>
        $"INSERT INTO {Relation(schema, relation)} ({Columns}) {AggregateRaw(schema, rollup)} {UpsertTail}";

    /// <summary>
    /// Recomputes whole buckets from raw (late points, overwrites), set-based: the buckets starting at @starts (with
    /// last nanoseconds @lasts) are replaced by their aggregate over the raw points, or deleted when none is left.
    /// Parameters: @measurement, @field, @starts, @lasts.
    /// </summary>
    public static string Recompute(string schema, string relation)
    {
        var r = Relation(schema, relation);
        var fresh = Aggregate(
            schema,
            "k.start",
            $"unnest(@starts, @lasts) AS k(start, last) JOIN {PostgresSql.Quote(schema)}.points p ON p.time BETWEEN k.start AND k.last",
            "true");
        return $"WITH fresh AS ({fresh}), " +
               $"gone AS (DELETE FROM {r} WHERE bucket = ANY(@starts) AND bucket NOT IN (SELECT bucket FROM fresh)) " +
               $"INSERT INTO {r} ({Columns}) SELECT {Columns} FROM fresh {UpsertTail}";
    }

    /// <summary>
    /// The real-time view: materialised buckets in [@start, @materialized) and the raw tail [@from, @to) aggregated
    /// on the fly, in bucket order. Parameters: @start, @materialized and those of <see cref="AggregateRaw"/>.
    /// </summary>
    public static string RealTime(string schema, string relation, RollupDefinition rollup) =>
        $"SELECT {Columns} FROM {Relation(schema, relation)} WHERE bucket >= @start AND bucket < @materialized " +
        $"UNION ALL {AggregateRaw(schema, rollup)} ORDER BY 1";

    /// <summary>A rollup that is not maintained, from raw: <see cref="AggregateRaw"/> in bucket order.</summary>
    public static string FromRaw(string schema, RollupDefinition rollup) => AggregateRaw(schema, rollup) + " ORDER BY 1";

    // ---- TimescaleDB ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Creates the continuous aggregate of a rollup over the <c>points</c> hypertable (bigint nanosecond time), with
    /// real-time aggregation (<c>materialized_only = false</c>) and no data yet; buckets aligned like the plain path
    /// through <c>time_bucket</c>'s offset. TimescaleDB 2.10 or later (a join with the <c>fields</c> table).
    /// </summary>
    public static string CreateContinuousAggregate(string schema, string relation, RollupDefinition rollup)
    {
        var s = PostgresSql.Quote(schema);
        var v = Value("p");
        return $"CREATE MATERIALIZED VIEW IF NOT EXISTS {Relation(schema, relation)} " +
               "WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS " +
               $"SELECT time_bucket({Bigint(rollup.PeriodNanoseconds)}, p.time, {Bigint(OriginOffset(rollup))}) AS bucket, " +
               $"count(*) AS count, sum({v}) AS sum, min({v}) AS min, max({v}) AS max, " +
               $"first({v}, p.time) AS first_value, last({v}, p.time) AS last_value " +
               $"FROM {s}.points p JOIN {s}.fields f ON f.id = p.field_id " +
               $"WHERE f.measurement = {PostgresSql.Literal(rollup.Field.Device)} AND f.field = {PostgresSql.Literal(rollup.Field.Field)} AND p.kind <> 4 " +
               "GROUP BY 1 WITH NO DATA";
    }

    /// <summary>
    /// The refresh policy of a continuous aggregate: everything up to now minus the lag, every period (at least a
    /// minute); late points are picked up from TimescaleDB's invalidation log.
    /// </summary>
    /// <remarks>
    /// After a purge, <paramref name="startOffset"/> (nanoseconds before now) keeps the window clear of the deleted
    /// range: TimescaleDB deletes the buckets of a refreshed range whose raw points are gone.
    /// </remarks>
    public static string AddRefreshPolicy(string schema, string relation, RollupDefinition rollup, TimeSpan lag, long? startOffset = null)
    {
        var every = Math.Max(60, (long)Math.Ceiling(rollup.Period.TotalSeconds));
        var start = startOffset is { } offset ? Bigint(offset) : "NULL";
        return $"SELECT add_continuous_aggregate_policy({PostgresSql.Literal(Relation(schema, relation))}, start_offset => {start}, " +
               $"end_offset => {Bigint(lag.Ticks * 100)}, schedule_interval => INTERVAL '{Number(every)} seconds', if_not_exists => TRUE)";
    }

    /// <summary>
    /// Refreshes a continuous aggregate from a bucket start (null: the beginning; after a purge, the purge floor) up to a
    /// bucket start (outside any transaction block).
    /// </summary>
    public static string RefreshContinuousAggregate(string schema, string relation, long? from, long to) =>
        $"CALL refresh_continuous_aggregate({PostgresSql.Literal(Relation(schema, relation))}, {(from is { } f ? Bigint(f) : "NULL")}, {Bigint(to)})";

    /// <summary>Removes a continuous aggregate's refresh policy (if it has one).</summary>
    public static string RemoveRefreshPolicy(string schema, string relation) =>
        $"SELECT remove_continuous_aggregate_policy({PostgresSql.Literal(Relation(schema, relation))}, if_exists => TRUE)";

    /// <summary>Drops a continuous aggregate (and its policy).</summary>
    public static string DropContinuousAggregate(string schema, string relation) =>
        $"DROP MATERIALIZED VIEW IF EXISTS {Relation(schema, relation)}";

    /// <summary>
    /// Reads a continuous aggregate (materialised plus real-time buckets) from its deletion floor on. Parameters: @start,
    /// @end, @floor.
    /// </summary>
    public static string ReadContinuousAggregate(string schema, string relation) =>
        $"SELECT {Columns} FROM {Relation(schema, relation)} WHERE bucket >= @start AND bucket < @end AND bucket >= @floor ORDER BY bucket";

    /// <summary>
    /// Rollup retention on a continuous aggregate, which rejects DELETE: drops the chunks of its materialized hypertable
    /// that end at or before <paramref name="floor"/> (TimescaleDB's documented way, as a retention policy on the
    /// aggregate does). Whole chunks only: buckets before the floor in a chunk that straddles it stay stored until a
    /// later call, and reads filter them out by the floor.
    /// </summary>
    public static string DropContinuousAggregateChunks(string schema, string relation, long floor) =>
        $"SELECT count(*) FROM drop_chunks({PostgresSql.Literal(Relation(schema, relation))}::regclass, older_than => {Bigint(floor)})";

    // ---- Pieces --------------------------------------------------------------------------------------------------

    /// <summary>
    /// The number a stored value counts as (the in-process engine's <c>FieldValue.TryGetNumber</c>): doubles as they
    /// are, integers converted (UInt64 from its two's complement bits, correctly rounded), booleans 1 or 0, strings
    /// NULL (and filtered out by <c>kind &lt;&gt; 4</c>).
    /// </summary>
    public static string Value(string alias) =>
        $"CASE {alias}.kind WHEN 0 THEN {alias}.v_double WHEN 1 THEN {alias}.v_int::double precision " +
        $"WHEN 2 THEN (CASE WHEN {alias}.v_int < 0 THEN {alias}.v_int::numeric + 18446744073709551616 ELSE {alias}.v_int::numeric END)::double precision " +
        $"WHEN 3 THEN CASE WHEN {alias}.v_bool THEN 1::double precision ELSE 0::double precision END END";

    /// <summary>
    /// The bucket start of a bigint nanosecond time, without overflow: <c>t - ((t mod p) - (origin mod p)) mod p</c>
    /// with non-negative remainders (valid from <see cref="RollupDefinition.FirstBucketStart"/> on).
    /// </summary>
    public static string Bucket(string time, RollupDefinition rollup)
    {
        var p = Number(rollup.PeriodNanoseconds);
        return $"({time} - ((({time} % {p}) - {Number(OriginOffset(rollup))}) % {p} + {p}) % {p})";
    }

    /// <summary>The origin modulo the period: TimescaleDB's integer <c>time_bucket</c> offset for the same buckets.</summary>
    public static long OriginOffset(RollupDefinition rollup) => RollupDefinition.BucketOrigin % rollup.PeriodNanoseconds;

    /// <summary>
    /// Count, sum, min, max and first/last by (time, series): on a timestamp tie, first takes the first series and last
    /// the last one in store order (tags text, byte order), as the in-process engine reading series in order does.
    /// </summary>
    private static string Aggregate(string schema, string bucket, string from, string where) =>
        "SELECT b.bucket, count(*) AS count, sum(b.v) AS sum, min(b.v) AS min, max(b.v) AS max, " +
        "(array_agg(b.v ORDER BY b.time, b.tags))[1] AS first_value, (array_agg(b.v ORDER BY b.time DESC, b.tags DESC))[1] AS last_value " +
        $"FROM (SELECT {bucket} AS bucket, p.time, s.tags_text COLLATE \"C\" AS tags, {Value("p")} AS v FROM {from} " +
        $"JOIN {PostgresSql.Quote(schema)}.fields f ON f.id = p.field_id JOIN {PostgresSql.Quote(schema)}.series s ON s.id = p.series_id " +
        $"WHERE f.measurement = @measurement AND f.field = @field AND p.kind <> 4 AND {where}) b GROUP BY b.bucket";

    private const string UpsertTail =
        "ON CONFLICT (bucket) DO UPDATE SET count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, " +
        "first_value = excluded.first_value, last_value = excluded.last_value";

    private static string Relation(string schema, string relation) => PostgresSql.Quote(schema) + "." + PostgresSql.Quote(relation);

    /// <summary>A constant typed bigint (for overload resolution, e.g. <c>time_bucket</c>).</summary>
    private static string Bigint(long value) => value < 0 ? Number(value) : Number(value) + "::bigint";

    /// <summary>A bigint constant (negative ones as typed literals: <c>-9223372036854775808</c> alone would be numeric).</summary>
    private static string Number(long value) =>
        value < 0 ? "'" + value.ToString(CultureInfo.InvariantCulture) + "'::bigint" : value.ToString(CultureInfo.InvariantCulture);
}
