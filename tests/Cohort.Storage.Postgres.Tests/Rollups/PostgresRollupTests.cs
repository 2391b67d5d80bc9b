using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Storage.Conformance;
using Cohort.Testing.Servers;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Cohort.Storage.Postgres.Tests.Rollups;

/// <summary>
/// PostgreSQL rollups against Cohort.Aggregation's in-process engine on the same points (both read and write the real
/// PostgreSQL 15 store), the schema they live in, and their life cycle driven by Cohort.Formulas' reference counts.
/// </summary>
public sealed class PostgresRollupTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const long Minute = 60_000_000_000L;
    private const long Hour = 60 * Minute;
    private static readonly long T0 = Timestamps.FromDateTimeOffset(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>One step of a random history: a batch of points (minute offset, series, value), then maybe a refresh at a later clock.</summary>
    public sealed record HistoryStep((int Minute, int Series, int Value)[] Points, int RefreshAtMinute);

    [Fact]
    public async Task The_same_points_give_the_same_buckets_in_process_and_in_PostgreSQL_for_any_history_with_late_points()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("parity");
        var clock = new FakeTimeProvider(Timestamps.ToDateTimeOffset(T0));
        await using var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }, timeProvider: clock);
        var engine = new InProcessRollupEngine(store, new AggregationOptions { RollupRefreshLag = TimeSpan.FromHours(1) }, clock);
        var writer = new RollupInvalidatingPointWriter(store, engine);
        var runs = 0;

        var point = from minute in Gen.Choose(0, 6 * 60)
                    from series in Gen.Choose(0, 3)
                    from value in Gen.Choose(-1000, 1000)
                    select (minute, series, value);
        var step = from points in point.ArrayOf()
                   from refreshAt in Gen.Choose(0, 8 * 60)
                   select new HistoryStep([.. points.Take(40)], refreshAt);
        var property = Prop.ForAll(step.ArrayOf().Select(a => a.Take(6).ToArray()).ToArbitrary(), steps =>
        {
            // A fresh tenant per history; the clock only moves forward, so each history starts at its own day.
            var tenant = new Tenant("p" + runs++);
            var day = runs * 24 * Hour;
            var rollup = new RollupDefinition(tenant, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));
            RunAsync().GetAwaiter().GetResult();
            return true;

            async Task RunAsync()
            {
                await store.Rollups.EnsureRollupAsync(rollup);
                await engine.EnsureRollupAsync(rollup);
                foreach (var s in steps)
                {
                    if (s.Points.Length > 0)
                    {
                        var points = s.Points.Select(p => new Point(
                            new SeriesKey("egauge", TagSet.Create(("ct", "c" + p.Series))),
                            [new Field("A.Solar", FieldValue.FromDouble(p.Value / 8.0))],
                            T0 + day + (p.Minute * Minute) + p.Series));
                        Assert.True((await writer.WriteAsync(tenant, PointBatch.FromPoints(points))).IsComplete);
                    }

                    var now = T0 + day + (s.RefreshAtMinute * Minute);
                    if (now > Timestamps.Now(clock))
                    {
                        clock.SetUtcNow(Timestamps.ToDateTimeOffset(now));
                        await store.Rollups.RefreshAsync(rollup);
                        await engine.RefreshAsync(rollup);
                    }

                    RollupConformanceTests.AssertBucketsEqual(await engine.QueryAsync(rollup, TimeRange.All), await store.Rollups.QueryAsync(rollup, TimeRange.All));
                    var window = new TimeRange(T0 + day + (90 * Minute), T0 + day + (5 * Hour));
                    RollupConformanceTests.AssertBucketsEqual(await engine.QueryAsync(rollup, window), await store.Rollups.QueryAsync(rollup, window));
                }
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), property);
        Assert.Equal(25, runs);
    }

    [Fact]
    public async Task A_rollup_table_lives_while_an_aggregated_analytic_refers_to_its_field_and_is_dropped_after()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("refs");
        await using var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString });
        using var registry = new AnalyticsRegistry(Options.Create(new FormulaOptions()), store.Rollups);
        var house = new Tenant("house-1");
        var solar = new RollupDefinition(house, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));

        await registry.CreateAsync(house, new("solar", "pos(egauge.A.Solar)") { ContinuousAggregation = true });
        await registry.CreateAsync(house, new("double_solar", "2 * egauge.A.Solar") { ContinuousAggregation = true });
        Assert.Equal([solar], await store.Rollups.ListAsync(house));
        Assert.True(await TableExistsAsync(connectionString, store.GetSchemaName(house), solar));

        await registry.DeleteAsync(house, "solar");
        Assert.True(await TableExistsAsync(connectionString, store.GetSchemaName(house), solar)); // still referenced

        await registry.DeleteAsync(house, "double_solar");
        Assert.Empty(await store.Rollups.ListAsync(house));
        Assert.False(await TableExistsAsync(connectionString, store.GetSchemaName(house), solar));
    }

    [Fact]
    public async Task Refreshing_a_rollup_that_is_not_maintained_is_an_error_naming_it()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("norollup");
        await using var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString });
        var rollup = new RollupDefinition(new Tenant("t"), FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));
        Assert.True((await store.WriteAsync(rollup.Tenant, PointBatch.FromPoints([new Point("egauge", TagSet.Empty, "A.Solar", 1.0, T0)]))).IsComplete);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.Rollups.RefreshAsync(rollup));
        Assert.Contains("egauge.A.Solar", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.Rollups.EnsureRollupAsync(rollup with { Period = TimeSpan.Zero }));
    }

    [Fact]
    public async Task Migrations_are_versioned_idempotent_and_upgrade_a_version_1_schema()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("migrate");
        var tenant = new Tenant("t");
        string schema;
        await using (var first = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }))
        {
            schema = first.GetSchemaName(tenant);
            Assert.True((await first.WriteAsync(tenant, PointBatch.FromPoints([new Point("egauge", TagSet.Empty, "A.Solar", 1.0, T0)]))).IsComplete);
        }

        Assert.Equal(new[] { 1, 2, 3, 4 }, await VersionsAsync(connectionString, schema));

        // Back to version 1, as a library before rollups left it.
        await ExecuteAsync(connectionString, $"DROP TABLE \"{schema}\".cohort_rollups; DROP TABLE \"{schema}\".cohort_retention; DELETE FROM \"{schema}\".cohort_schema_version WHERE version >= 2");
        await using (var second = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }))
        {
            var rollup = new RollupDefinition(tenant, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));
            await second.Rollups.EnsureRollupAsync(rollup);
            Assert.Single(await second.Rollups.QueryAsync(rollup, TimeRange.All));
        }

        await using (var third = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }))
        {
            Assert.True((await third.WriteAsync(tenant, PointBatch.FromPoints([new Point("egauge", TagSet.Empty, "A.Solar", 2.0, T0 + 1)]))).IsComplete);
        }

        Assert.Equal(new[] { 1, 2, 3, 4 }, await VersionsAsync(connectionString, schema));

        // Back to version 3, as a library before rollup retention left it: the deletion floor column is added.
        await ExecuteAsync(connectionString, $"ALTER TABLE \"{schema}\".cohort_rollups DROP COLUMN deleted_before; DELETE FROM \"{schema}\".cohort_schema_version WHERE version >= 4");
        await using (var fourth = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }))
        {
            var rollup = new RollupDefinition(tenant, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));
            await fourth.Rollups.DeleteBucketsBeforeAsync(tenant, T0 + (2 * 3_600_000_000_000L));
            Assert.Empty(await fourth.Rollups.QueryAsync(rollup, TimeRange.All));
        }

        Assert.Equal(new[] { 1, 2, 3, 4 }, await VersionsAsync(connectionString, schema));
    }

    [Fact]
    public async Task The_bucket_expression_of_the_SQL_equals_the_definitions_bucket_start_at_the_edges()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("buckets");
        var periods = new[] { TimeSpan.FromTicks(1), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromDays(7), TimeSpan.FromDays(36_525) };
        var times = new[] { long.MaxValue, long.MaxValue - 1, 0, -1, 1, T0, T0 - 1, RollupDefinition.BucketOrigin, RollupDefinition.BucketOrigin - 1, -5_000_000_000_000_000_000L, 5_000_000_000_000_000_000L };
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var period in periods)
        {
            var rollup = new RollupDefinition(new Tenant("t"), FieldReference.Parse("a.b"), period);
            foreach (var time in times.Append(rollup.FirstBucketStart).Append(rollup.FirstBucketStart + 1))
            {
                if (time < rollup.FirstBucketStart)
                {
                    continue;
                }

                await using var command = new NpgsqlCommand($"SELECT {Internal.RollupSql.Bucket("@t", rollup)}", connection);
                command.Parameters.AddWithValue("t", time);
                Assert.Equal(rollup.BucketStart(time), (long)(await command.ExecuteScalarAsync())!);
            }
        }
    }

    private static async Task<bool> TableExistsAsync(string connectionString, string schema, RollupDefinition rollup)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
        command.Parameters.AddWithValue("name", $"\"{schema}\".\"{Internal.RollupSql.RelationName(rollup)}\"");
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int[]> VersionsAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT array_agg(version ORDER BY version) FROM \"{schema}\".cohort_schema_version", connection);
        return (int[])(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
