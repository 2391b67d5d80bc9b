using Cohort.Core;
using Cohort.Storage.Postgres.Internal;

namespace Cohort.Storage.Postgres.Tests.Rollups;

/// <summary>
/// The generated SQL of the TimescaleDB path (no TimescaleDB runs here, so its text is pinned) and the naming and
/// bucket pieces both paths share.
/// </summary>
public sealed class RollupSqlTests
{
    private static readonly RollupDefinition Hourly = new(new Tenant("house-1"), FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));
    private static readonly RollupDefinition Weekly = Hourly with { Period = TimeSpan.FromDays(7) };

    [Fact]
    public void The_continuous_aggregate_buckets_like_the_plain_path_with_real_time_aggregation_and_no_data_yet()
    {
        var sql = RollupSql.CreateContinuousAggregate("cohort_house-1", "rollup_x", Hourly);
        Assert.Equal(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS \"cohort_house-1\".\"rollup_x\" WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS " +
            "SELECT time_bucket(3600000000000::bigint, p.time, 0::bigint) AS bucket, count(*) AS count, " +
            $"sum({RollupSql.Value("p")}) AS sum, min({RollupSql.Value("p")}) AS min, max({RollupSql.Value("p")}) AS max, " +
            $"first({RollupSql.Value("p")}, p.time) AS first_value, last({RollupSql.Value("p")}, p.time) AS last_value " +
            "FROM \"cohort_house-1\".points p JOIN \"cohort_house-1\".fields f ON f.id = p.field_id " +
            "WHERE f.measurement = 'egauge' AND f.field = 'A.Solar' AND p.kind <> 4 GROUP BY 1 WITH NO DATA",
            sql);
    }

    [Fact]
    public void Weekly_buckets_start_on_Monday_through_time_buckets_offset()
    {
        // 2000-01-03 is 4 days after a Thursday-aligned multiple of weeks since 1970-01-01.
        Assert.Equal(4L * 24 * 3600 * 1_000_000_000, RollupSql.OriginOffset(Weekly));
        Assert.Contains("time_bucket(604800000000000::bigint, p.time, 345600000000000::bigint)", RollupSql.CreateContinuousAggregate("s", "r", Weekly), StringComparison.Ordinal);
        Assert.Equal(0, RollupSql.OriginOffset(Hourly));
    }

    [Fact]
    public void The_refresh_policy_covers_everything_up_to_the_lag_every_period()
    {
        Assert.Equal(
            "SELECT add_continuous_aggregate_policy('\"s\".\"r\"', start_offset => NULL, end_offset => 3600000000000::bigint, " +
            "schedule_interval => INTERVAL '3600 seconds', if_not_exists => TRUE)",
            RollupSql.AddRefreshPolicy("s", "r", Hourly, TimeSpan.FromHours(1)));
        Assert.Contains("INTERVAL '60 seconds'", RollupSql.AddRefreshPolicy("s", "r", Hourly with { Period = TimeSpan.FromSeconds(5) }, TimeSpan.Zero), StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_drop_and_read_of_a_continuous_aggregate()
    {
        Assert.Equal("CALL refresh_continuous_aggregate('\"s\".\"r\"', NULL, 1709251200000000000::bigint)", RollupSql.RefreshContinuousAggregate("s", "r", null, 1_709_251_200_000_000_000));
        Assert.Equal("CALL refresh_continuous_aggregate('\"s\".\"r\"', NULL, '-5'::bigint)", RollupSql.RefreshContinuousAggregate("s", "r", null, -5));
        Assert.Equal("DROP MATERIALIZED VIEW IF EXISTS \"s\".\"r\"", RollupSql.DropContinuousAggregate("s", "r"));
        Assert.Equal(
            "SELECT bucket, count, sum, min, max, first_value, last_value FROM \"s\".\"r\" WHERE bucket >= @start AND bucket < @end AND bucket >= @floor ORDER BY bucket",
            RollupSql.ReadContinuousAggregate("s", "r"));
    }

    [Fact]
    public void After_a_purge_refreshes_and_the_refresh_policy_start_at_the_purge_floor()
    {
        Assert.Equal("CALL refresh_continuous_aggregate('\"s\".\"r\"', 3600000000000::bigint, 7200000000000::bigint)", RollupSql.RefreshContinuousAggregate("s", "r", 3_600_000_000_000, 7_200_000_000_000));
        Assert.Equal("SELECT remove_continuous_aggregate_policy('\"s\".\"r\"', if_exists => TRUE)", RollupSql.RemoveRefreshPolicy("s", "r"));
        Assert.StartsWith(
            "SELECT add_continuous_aggregate_policy('\"s\".\"r\"', start_offset => 86400000000000::bigint, end_offset => 3600000000000::bigint",
            RollupSql.AddRefreshPolicy("s", "r", Hourly, TimeSpan.FromHours(1), 86_400_000_000_000), StringComparison.Ordinal);
    }

    [Fact]
    public void Rollup_retention_drops_whole_chunks_of_a_continuous_aggregate_and_deletes_rows_of_a_rollup_table()
    {
        // A continuous aggregate rejects DELETE: drop_chunks on the aggregate drops chunks of its materialized hypertable.
        Assert.Equal(
            "SELECT count(*) FROM drop_chunks('\"s\".\"r\"'::regclass, older_than => 1709251200000000000::bigint)",
            RollupSql.DropContinuousAggregateChunks("s", "r", 1_709_251_200_000_000_000));
        Assert.Equal(
            "SELECT count(*) FROM drop_chunks('\"s\".\"r\"'::regclass, older_than => '-5'::bigint)",
            RollupSql.DropContinuousAggregateChunks("s", "r", -5));
        Assert.Equal("DELETE FROM \"s\".\"r\" WHERE bucket < @floor", RollupSql.DeleteBuckets("s", "r"));
        Assert.Equal(
            "UPDATE \"s\".cohort_rollups SET deleted_before = GREATEST(deleted_before, @floor), " +
            "watermark = CASE WHEN timescale THEN watermark ELSE GREATEST(watermark, @floor) END WHERE id = @id",
            RollupSql.SetDeletionFloor("s"));
        Assert.Equal(
            "ALTER TABLE \"s\".cohort_rollups ADD COLUMN IF NOT EXISTS deleted_before bigint NOT NULL DEFAULT '-9223372036854775808'::bigint",
            Assert.Single(RollupSql.Migration4("s")));
    }

    [Fact]
    public void The_purge_floor_is_the_first_bucket_start_at_or_after_the_cutoff()
    {
        var t0 = Hourly.BucketStart(1_709_251_200_000_000_000);
        const long Hour = 3_600_000_000_000;
        Assert.Equal(t0, PostgresRollupManager.PurgeFloor(Hourly, t0));
        Assert.Equal(t0 + Hour, PostgresRollupManager.PurgeFloor(Hourly, t0 + 1));
        Assert.Equal(t0 + Hour, PostgresRollupManager.PurgeFloor(Hourly, t0 + Hour));
    }

    [Fact]
    public void Names_and_literals_are_quoted_so_odd_device_names_cannot_break_out()
    {
        var odd = Hourly with { Field = new FieldReference("it's", "a\"b") };
        var sql = RollupSql.CreateContinuousAggregate("s\"x", "r", odd);
        Assert.Contains("f.measurement = 'it''s' AND f.field = 'a\"b'", sql, StringComparison.Ordinal);
        Assert.StartsWith("CREATE MATERIALIZED VIEW IF NOT EXISTS \"s\"\"x\".\"r\"", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Relation_names_are_stable_distinct_per_field_and_period_and_fit_in_63_bytes()
    {
        var name = RollupSql.RelationName(Hourly);
        Assert.Equal(name, RollupSql.RelationName(Hourly with { Tenant = new Tenant("other") }));
        Assert.NotEqual(name, RollupSql.RelationName(Weekly));
        Assert.NotEqual(name, RollupSql.RelationName(Hourly with { Field = FieldReference.Parse("egauge.A.Load") }));
        Assert.NotEqual(RollupSql.RelationName(Hourly with { Field = new FieldReference("a.b", "c") }), RollupSql.RelationName(Hourly with { Field = new FieldReference("a", "b.c") }));
        Assert.True(RollupSql.RelationName(Hourly with { Period = TimeSpan.FromDays(36_525) }).Length <= 63);
        Assert.Matches("^rollup_[0-9a-f]{16}_3600000000000$", name);
    }

    [Fact]
    public void The_plain_path_filters_points_before_the_first_whole_bucket_and_writes_negative_constants_as_bigint()
    {
        var sql = RollupSql.AggregateRaw("s", Hourly);
        Assert.Contains($"p.time >= '{Hourly.FirstBucketStart}'::bigint", sql, StringComparison.Ordinal);
        Assert.Contains("DEFAULT '-9223372036854775808'::bigint", RollupSql.Migration2("s")[0], StringComparison.Ordinal);
    }
}
