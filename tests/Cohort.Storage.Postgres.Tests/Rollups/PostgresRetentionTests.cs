using Cohort.Core;
using Cohort.Storage.Conformance;
using Cohort.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Cohort.Storage.Postgres.Tests.Rollups;

/// <summary>
/// Retention on PostgreSQL beyond the shared contract: rollup buckets of deleted points are materialised by the purge
/// itself (no refresh needed first) and are final afterwards; whole weekly partitions go; the registration.
/// </summary>
public sealed class PostgresRetentionTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const long Minute = 60_000_000_000L;
    private const long Hour = 60 * Minute;
    private const long Week = 7 * 24 * Hour;
    private static readonly long T0 = Timestamps.FromDateTimeOffset(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly Tenant House = new("house-1");
    private static readonly RollupDefinition Solar = new(House, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));

    [Fact]
    public async Task A_purge_before_any_refresh_keeps_the_buckets_of_the_deleted_points()
    {
        await using var store = await CreateStoreAsync(T0 + (2 * Hour));
        await store.Rollups.EnsureRollupAsync(Solar);
        await WriteAsync(store, Points(T0, hours: 5));
        var before = await store.Rollups.QueryAsync(Solar, TimeRange.All);
        Assert.Equal(5, before.Count);

        await store.DeleteBeforeAsync(House, T0 + (3 * Hour) + (Hour / 2));

        RollupConformanceTests.AssertBucketsEqual(before, await store.Rollups.QueryAsync(Solar, TimeRange.All));
        await store.Rollups.RefreshAllAsync();
        RollupConformanceTests.AssertBucketsEqual(before, await store.Rollups.QueryAsync(Solar, TimeRange.All));
        Assert.Empty(await ReadAsync(store, new TimeRange(long.MinValue, T0 + (3 * Hour) + (Hour / 2))));
    }

    [Fact]
    public async Task Buckets_before_the_cutoff_are_final_and_a_late_point_after_it_is_counted()
    {
        await using var store = await CreateStoreAsync(T0 + (10 * Hour));
        await store.Rollups.EnsureRollupAsync(Solar);
        await WriteAsync(store, Points(T0, hours: 5));
        await store.Rollups.RefreshAllAsync();
        var cutoff = T0 + (3 * Hour) + (Hour / 2);
        await store.DeleteBeforeAsync(House, cutoff);
        var before = await store.Rollups.QueryAsync(Solar, TimeRange.All);

        // Late points: in a wholly purged bucket, in the bucket holding the cutoff (after it), and after that bucket.
        await WriteAsync(store, [Solar1(T0 + Hour + 5, 1e6), Solar1(cutoff + 5, 1e6), Solar1(T0 + (4 * Hour) + 5, 1e6)]);

        var after = await store.Rollups.QueryAsync(Solar, TimeRange.All);
        RollupConformanceTests.AssertBucketsEqual(before.Take(4).ToList(), after.Take(4).ToList());
        Assert.Equal(before[4].Count + 1, after[4].Count);
        Assert.Equal(1e6, after[4].Max);
    }

    [Fact]
    public async Task Whole_weekly_partitions_before_the_cutoff_are_dropped_and_come_back_when_written_again()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("purgeparts");
        await using var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString });
        await WriteAsync(store, [Solar1(1, 1), Solar1(Week + 1, 2), Solar1((2 * Week) + 1, 3), Solar1((2 * Week) + 2, 4)]);
        var schema = store.GetSchemaName(House);

        await store.DeleteBeforeAsync(House, (2 * Week) + 2);

        Assert.False(await ExistsAsync(connectionString, schema, "points_w0"));
        Assert.False(await ExistsAsync(connectionString, schema, "points_w1"));
        Assert.True(await ExistsAsync(connectionString, schema, "points_w2"));
        Assert.Equal([Solar1((2 * Week) + 2, 4)], await ReadAsync(store, TimeRange.All));

        await WriteAsync(store, [Solar1(5, 5)]);
        Assert.True(await ExistsAsync(connectionString, schema, "points_w0"));
        Assert.Equal(2, (await ReadAsync(store, TimeRange.All)).Count);
    }

    [Fact]
    public async Task AddCohortPostgres_registers_the_store_as_the_point_deleter()
    {
        var services = new ServiceCollection().AddCohortPostgres(o => o.ConnectionString = "Host=127.0.0.1;Database=cohort");
        await using var provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<PostgresPointStore>(), provider.GetRequiredService<IPointDeleter>());
    }

    private async Task<PostgresPointStore> CreateStoreAsync(long now)
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("purge");
        var clock = new FakeTimeProvider(Timestamps.ToDateTimeOffset(now));
        return new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString, RollupRefreshLag = TimeSpan.FromHours(1) }, timeProvider: clock);
    }

    private static Point Solar1(long time, double value) =>
        new(new SeriesKey("egauge", TagSet.Create(("ct", "ct1"))), [new Field("A.Solar", FieldValue.FromDouble(value))], time);

    private static List<Point> Points(long start, int hours)
    {
        var points = new List<Point>();
        for (var t = start; t < start + (hours * Hour); t += 7 * Minute)
        {
            points.Add(Solar1(t, (t / Minute) % 97));
        }

        return points;
    }

    private static async Task WriteAsync(PostgresPointStore store, IEnumerable<Point> points) =>
        Assert.True((await store.WriteAsync(House, PointBatch.FromPoints(points.ToList()))).IsComplete);

    private static async Task<List<Point>> ReadAsync(PostgresPointStore store, TimeRange range)
    {
        var points = new List<Point>();
        await foreach (var point in store.ReadAsync(House, new PointQuery(range)))
        {
            points.Add(point);
        }

        return points;
    }

    private static async Task<bool> ExistsAsync(string connectionString, string schema, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
        command.Parameters.AddWithValue("name", $"\"{schema}\".\"{table}\"");
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
