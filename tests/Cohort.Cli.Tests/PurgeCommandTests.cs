using Cohort.Cli.Commands;
using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Storage.Sqlite;
using Cohort.Testing.Servers;

namespace Cohort.Cli.Tests;

/// <summary><c>cohort purge</c>, run as a process, against SQLite files and the real PostgreSQL.</summary>
public sealed class PurgeCommandTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static readonly DateTimeOffset Jan2024 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Point At(DateTimeOffset time, long value) => new("power", TagSet.Create(("device", "pv")), "watts", value, Timestamps.FromDateTimeOffset(time));

    private static async Task SeedAsync(IPointWriter store, string tenant, params Point[] points) =>
        Assert.True((await store.WriteAsync(new Tenant(tenant), PointBatch.FromPoints(points))).IsComplete);

    [Fact]
    public async Task Purge_with_an_ISO_cutoff_deletes_that_tenants_older_points_only()
    {
        using var dir = new TempDir();
        var uri = "sqlite:" + dir.File("store");
        var points = new[] { At(Jan2024.AddYears(-4), 1), At(Jan2024.AddTicks(-1), 2), At(Jan2024, 3), At(Jan2024.AddMonths(5), 4) };
        await using (var store = new SqlitePointStore(SqliteStoreOptions.FromUri(uri)))
        {
            await SeedAsync(store, "house-1", points);
            await SeedAsync(store, "house-2", points);
        }

        var result = await CliRunner.RunAsync(null, "purge", "--store", uri, "--tenant", "house-1", "--before", "2024-01-01");

        Assert.Equal((0, ""), (result.ExitCode, result.StdErr));
        Assert.Contains("deleted the points of tenant house-1 before 2024-01-01T00:00:00.0000000Z", result.StdOut);
        await using var after = new SqlitePointStore(SqliteStoreOptions.FromUri(uri));
        Assert.Equal(points[2..], await StoreReads.ReadAllAsync(after, "house-1"));
        Assert.Equal(points, await StoreReads.ReadAllAsync(after, "house-2"));
    }

    [Fact]
    public async Task Purge_with_an_age_deletes_points_older_than_that_in_postgres()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("clipurge");
        var now = DateTimeOffset.UtcNow;
        var old = At(now.AddDays(-400), 1);
        var recent = At(now.AddDays(-10), 2);
        await using (var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }))
        {
            await SeedAsync(store, "house-1", old, recent);
        }

        var result = await CliRunner.RunAsync(null, "purge", "--store", "postgres:" + connectionString, "--tenant", "house-1", "--before", "365d");

        Assert.Equal((0, ""), (result.ExitCode, result.StdErr));
        await using var after = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString });
        Assert.Equal([recent], await StoreReads.ReadAllAsync(after, "house-1"));
    }

    [Theory]
    [InlineData("last year")]
    [InlineData("365x")]
    [InlineData("d")]
    [InlineData("99999999999d")]
    public async Task A_cutoff_that_is_neither_a_time_nor_an_age_is_a_usage_error_naming_the_option(string before)
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(null, "purge", "--store", "sqlite:" + dir.File("store"), "--tenant", "house-1", "--before", before);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--before: '" + before + "'", result.StdErr);
    }

    [Fact]
    public async Task An_unreachable_store_exits_2_with_the_reason()
    {
        var result = await CliRunner.RunAsync(null, "purge", "--store", "postgres:Host=127.0.0.1;Port=1;Username=nobody;Timeout=2", "--tenant", "t1", "--before", "30d");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unavailable", result.StdErr);
    }

    [Theory]
    [InlineData("2025-01-01", "2025-01-01T00:00:00+00:00")]
    [InlineData("2025-01-01T02:00:00+02:00", "2025-01-01T00:00:00+00:00")]
    [InlineData("2025-01-01T00:00:00.5Z", "2025-01-01T00:00:00.5+00:00")]
    [InlineData("365d", "2024-03-12T12:00:00+00:00")]
    [InlineData("12h", "2025-03-12T00:00:00+00:00")]
    [InlineData("4w", "2025-02-12T12:00:00+00:00")]
    public void Cutoffs_are_ISO_times_in_UTC_unless_offset_or_ages_before_now(string text, string expected)
    {
        var now = new DateTimeOffset(2025, 3, 12, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), PurgeCommands.ParseCutoff(text, now));
    }
}
