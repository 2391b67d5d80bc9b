using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Cohort.Studies.Tests.Hosting;

/// <summary>The built-in rollup-refresh job against real PostgreSQL, through <see cref="PostgresRollupManager"/>.</summary>
public sealed class PostgresRollupJobTests(PostgresFixture pg) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private const string Manifest = """
        {
          "study": "pg-rollups",
          "version": 1,
          "tenants": [ { "id": "house-01" } ],
          "rollups": [ { "field": "indoor.temperature", "period": "1h" } ],
          "schedules": [ { "name": "refresh", "job": "rollup-refresh", "cron": "0 * * * *", "maxAttempts": 1 } ]
        }
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_refresh_schedule_materialises_the_manifest_rollup_in_PostgreSQL()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("studyjobs");
        var time = new TimerCountingClock(Start);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddCohortPostgres(o => o.ConnectionString = connectionString); // before AddCohortStudy: its rollup manager is used
        builder.Services.AddCohortSqliteJobStore(_folder.File("jobs.db"));
        builder.Services.AddCohortStudy(StudyManifestReader.ParseUnvalidated(Manifest));
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<PostgresPointStore>();
        Assert.Same(store.Rollups, host.Services.GetRequiredService<IRollupManager>());
        var tenant = new Tenant("house-01");
        await store.WriteAsync(tenant, PointBatch.FromPoints(Enumerable.Range(0, 180).Select(i =>
            new Point("indoor", TagSet.Empty, "temperature", 20.0 + (i % 3), Timestamps.FromDateTimeOffset(Start.AddHours(-3).AddMinutes(i))))));
        await host.StartAsync();
        try
        {
            var schema = store.GetSchemaName(tenant);
            Assert.Equal(long.MinValue, (await RegistryAsync(connectionString, schema)).Watermark); // ensured at start, not refreshed yet

            var at = Start.AddHours(1);
            var jobs = host.Services.GetRequiredService<IJobStore>();
            JobState? state = null;
            await Eventually.HoldsAsync(() => Task.FromResult(time.Timers >= 1), "the job loop waits for its first occurrence");
            time.SetUtcNow(at);
            await Eventually.HoldsAsync(async () => (state = await jobs.GetStateAsync("refresh")) is { } s && s.LastOccurrence == at, "the refresh ran");

            Assert.Equal(JobOutcome.Succeeded, state!.Outcome);
            var (watermark, timescale, relation) = await RegistryAsync(connectionString, schema);
            if (!timescale)
            {
                // Materialised up to the bucket holding now minus the refresh lag (1 h): 12:00, so 09:00-11:59 are rows.
                Assert.Equal(Timestamps.FromDateTimeOffset(Start), watermark);
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".\"{relation}\"", connection);
                Assert.Equal(3L, (long)(await count.ExecuteScalarAsync())!);
            }

            var buckets = await store.Rollups.QueryAsync(new RollupDefinition(tenant, new FieldReference("indoor", "temperature"), TimeSpan.FromHours(1)), TimeRange.Between(Start.AddHours(-3), Start));
            Assert.Equal([60L, 60L, 60L], buckets.Select(b => b.Count));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<(long Watermark, bool Timescale, string Relation)> RegistryAsync(string connectionString, string schema)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT watermark, timescale, relation FROM \"{schema}\".cohort_rollups WHERE measurement = 'indoor' AND field = 'temperature'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the manifest rollup is registered");
        return (reader.GetInt64(0), reader.GetBoolean(1), reader.GetString(2));
    }
}
