using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Storage.Sqlite;
using Cohort.Studies.Exports;
using Cohort.Studies.Hosting;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Hosting;

/// <summary>A host configured from a manifest (and a store) alone runs each built-in schedule kind, on a fake clock.</summary>
public sealed class BuiltInJobsTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Tenant House1 = new("house-01");
    private static readonly Tenant House2 = new("house-02");

    private const string Manifest = """
        {
          "study": "jobs-test",
          "version": 1,
          "tenants": [ { "id": "house-01" }, { "id": "house-02" } ],
          "measures": [ { "name": "indoor-temperature", "group1Key": "house", "aggregationPeriod": "day", "aggregationThreshold": 1, "rawRetentionDays": 1 } ],
          "rollups": [ { "field": "indoor.temperature", "period": "1h" } ],
          "retention": { "raw": "30d", "rollups": "1000d", "exports": "7d" },
          "schedules": [
            { "name": "aggregate", "job": "aggregation", "cron": "*/10 * * * *", "maxAttempts": 1 },
            { "name": "refresh", "job": "rollup-refresh", "cron": "0 * * * *", "maxAttempts": 1 },
            { "name": "nightly-export", "job": "export", "cron": "0 1 * * *", "maxAttempts": 1 },
            { "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }
          ]
        }
        """;

    private readonly TempFolder _folder = new();
    private readonly TimerCountingClock _time = new(Start);
    private readonly SqlitePointStore _sqlite;

    public BuiltInJobsTests() => _sqlite = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _folder.File("store") });

    public async ValueTask DisposeAsync()
    {
        await _sqlite.DisposeAsync();
        _folder.Dispose();
    }

    private string ExportFolder => _folder.File("exports");

    private IHost BuildHost(string manifest = Manifest, Action<IServiceCollection>? configure = null, bool deleter = true)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(_time);
        if (deleter)
        {
            builder.Services.AddSingleton<IPointReader>(_sqlite).AddSingleton<IPointWriter>(_sqlite).AddSingleton<IPointDeleter>(_sqlite);
        }
        else
        {
            var store = new ReadWriteOnlyStore(_sqlite, _sqlite);    // hides the SQLite store's deletion
            builder.Services.AddSingleton<IPointReader>(store).AddSingleton<IPointWriter>(store);
        }

        builder.Services.AddCohortSqliteJobStore(_folder.File("jobs.db"));
        configure?.Invoke(builder.Services);
        builder.Services.AddCohortStudy(StudyManifestReader.ParseUnvalidated(manifest), o => o.ExportFolder = ExportFolder);
        return builder.Build();
    }

    /// <summary>Moves the fake clock to <paramref name="at"/> and waits until the job has recorded its occurrence there.</summary>
    private async Task<JobState> RunUntilAsync(IHost host, string job, DateTimeOffset at)
    {
        var store = host.Services.GetRequiredService<IJobStore>();
        var jobs = host.Services.GetRequiredService<JobScheduler>().Jobs.Count;
        await Eventually.HoldsAsync(() => Task.FromResult(_time.Timers >= jobs), "every job loop waits for its first occurrence");
        _time.SetUtcNow(at);
        JobState? state = null;
        await Eventually.HoldsAsync(async () => (state = await store.GetStateAsync(job)) is { } s && s.LastOccurrence == at, $"job {job} ran at {at:O}");
        return state!;
    }

    private static PointBatch Minutes(DateTimeOffset from, int count, double value = 21) => PointBatch.FromPoints(
        Enumerable.Range(0, count).Select(i => new Point("indoor", TagSet.Empty, "temperature", value + i % 5, Timestamps.FromDateTimeOffset(from.AddMinutes(i)))));

    private static async Task<List<Point>> ReadAllAsync(IHost host, Tenant tenant)
    {
        var points = new List<Point>();
        await foreach (var point in host.Services.GetRequiredService<IPointReader>().ReadAsync(tenant, new PointQuery(new TimeRange(long.MinValue, long.MaxValue))))
        {
            points.Add(point);
        }

        return points;
    }

    private static RawMeasure Measure(string house, double value) =>
        new("indoor-temperature", value, Start.AddHours(-2), "app") { Group1 = new MeasureGroup("house", house) };

    [Fact]
    public async Task The_aggregation_schedule_merges_pending_raw_measures_into_aggregates()
    {
        using var host = BuildHost();
        var aggregator = host.Services.GetRequiredService<MeasureAggregator>();
        Assert.Empty(aggregator.AddRange([Measure("house-01", 20), Measure("house-02", 22)]).Rejections);
        Assert.Equal(2, aggregator.GetStatus("indoor-temperature").PendingCount);
        await host.StartAsync();
        try
        {
            var state = await RunUntilAsync(host, "aggregate", Start.AddMinutes(10));

            Assert.Equal(JobOutcome.Succeeded, state.Outcome);
            var status = aggregator.GetStatus("indoor-temperature");
            Assert.Equal((0L, 2L), (status.PendingCount, status.RawCount));
            Assert.True(status.GroupCount > 0, "aggregates appear");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_keyed_handler_of_the_kind_wins_over_the_built_in_one()
    {
        var runs = new List<string>();
        using var host = BuildHost(configure: s => s.AddKeyedSingleton<Func<JobContext, CancellationToken, ValueTask>>("aggregation", (_, _) => (context, _) =>
        {
            runs.Add(context.JobName);
            return ValueTask.CompletedTask;
        }));
        var aggregator = host.Services.GetRequiredService<MeasureAggregator>();
        aggregator.AddRange([Measure("house-01", 20)]);
        await host.StartAsync();
        try
        {
            await RunUntilAsync(host, "aggregate", Start.AddMinutes(10));

            Assert.Equal(["aggregate"], runs);
            Assert.Equal(1, aggregator.GetStatus("indoor-temperature").PendingCount);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_manifest_rollups_exist_at_start_and_the_refresh_schedule_materialises_them()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddHours(-3), 120));
        await host.StartAsync();
        try
        {
            var engine = host.Services.GetRequiredService<InProcessRollupEngine>();
            var hourly = new RollupDefinition(House1, new FieldReference("indoor", "temperature"), TimeSpan.FromHours(1));
            Assert.Equal(
                [hourly, hourly with { Tenant = House2 }],
                engine.Rollups.OrderBy(r => r.Tenant.Id, StringComparer.Ordinal));

            var state = await RunUntilAsync(host, "refresh", Start.AddHours(1));
            Assert.Equal(JobOutcome.Succeeded, state.Outcome);

            // The raw points go; buckets the refresh materialised stay (unrefreshed ones would be read from raw: empty).
            await host.Services.GetRequiredService<IPointDeleter>().DeleteBeforeAsync(House1, Timestamps.FromDateTimeOffset(Start));
            Assert.Empty(await ReadAllAsync(host, House1));
            var buckets = await engine.QueryAsync(hourly, TimeRange.Between(Start.AddHours(-3), Start.AddHours(-1)));
            Assert.Equal([60L, 60L], buckets.Select(b => b.Count));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_late_point_written_through_the_host_store_updates_an_in_process_rollup_bucket_already_materialised()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddHours(-3), 60));
        await host.StartAsync();
        try
        {
            await RunUntilAsync(host, "refresh", Start.AddHours(1));
            var engine = host.Services.GetRequiredService<InProcessRollupEngine>();
            var hourly = new RollupDefinition(House1, new FieldReference("indoor", "temperature"), TimeSpan.FromHours(1));
            var range = TimeRange.Between(Start.AddHours(-3), Start.AddHours(-2));

            await store.WriteAsync(House1, PointBatch.FromPoints([new Point("indoor", TagSet.Empty, "temperature", 100.0, Timestamps.FromDateTimeOffset(Start.AddHours(-3).AddSeconds(30)))]));

            var bucket = Assert.Single(await engine.QueryAsync(hourly, range));
            Assert.Equal(61, bucket.Count);
            Assert.Equal(100, bucket.Max);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_export_schedule_writes_the_previous_day_of_every_tenant_to_a_file_and_caches_it()
    {
        using var host = BuildHost();
        using var rows = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Cohort.Studies", "cohort.studies.jobs.exports.rows");
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddHours(-2), 60));
        await store.WriteAsync(House2, Minutes(Start.AddHours(-1), 1));
        await store.WriteAsync(House2, Minutes(Start.AddDays(1), 5)); // the day of the run: not exported
        await host.StartAsync();
        try
        {
            var state = await RunUntilAsync(host, "nightly-export", new DateTimeOffset(2026, 6, 2, 1, 0, 0, TimeSpan.Zero));

            Assert.Equal(JobOutcome.Succeeded, state.Outcome);
            var lines = await File.ReadAllLinesAsync(Path.Combine(ExportFolder, "2026-06-01.csv"));
            Assert.Equal("tenant,time,measurement,tags,field,value", lines[0]);
            Assert.Equal(60, lines.Count(l => l.StartsWith("house-01,2026-06-01T10:", StringComparison.Ordinal)));
            Assert.Equal(1, lines.Count(l => l.StartsWith("house-02,2026-06-01T11:00", StringComparison.Ordinal)));
            Assert.Equal(62, lines.Length);
            Assert.True(File.Exists(Path.Combine(ExportFolder, "cache", "house-01", "2026-06-01.csv")), "the completed day is cached");
            Assert.Empty(Directory.EnumerateFiles(ExportFolder, "*.tmp"));
            Assert.Equal(61, rows.GetMeasurementSnapshot().Sum(m => m.Value));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_export_schedule_writes_parquet_when_configured()
    {
        using var host = BuildHost(configure: s => s.Configure<StudyHostOptions>(o => o.ExportFormat = "parquet"));
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddHours(-2), 60));
        await store.WriteAsync(House2, Minutes(Start.AddHours(-1), 1));
        await host.StartAsync();
        try
        {
            var state = await RunUntilAsync(host, "nightly-export", new DateTimeOffset(2026, 6, 2, 1, 0, 0, TimeSpan.Zero));

            Assert.Equal(JobOutcome.Succeeded, state.Outcome);
            await using var file = File.OpenRead(Path.Combine(ExportFolder, "2026-06-01.parquet"));
            await using var reader = await Parquet.ParquetReader.CreateAsync(file);
            Assert.Equal(61, reader.RowGroups.Sum(g => g.RowCount));
            var tenant = reader.Schema.GetDataFields().Single(f => f.Name == "tenant");
            var tenants = new List<string>();
            foreach (var group in reader.RowGroups)
            {
                var column = new string[group.RowCount];
                await group.ReadAsync(tenant, column);
                tenants.AddRange(column);
            }

            Assert.Equal(60, tenants.Count(t => t == "house-01"));
            Assert.True(File.Exists(Path.Combine(ExportFolder, "cache", "house-01", "2026-06-01.parquet")), "the completed day is cached");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_purge_schedule_applies_the_retention_to_raw_points_raw_measures_and_cached_exports()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddDays(-60), 10));
        await store.WriteAsync(House1, Minutes(Start.AddHours(-1), 10));
        await store.WriteAsync(House2, Minutes(Start.AddDays(-45), 3));
        var cache = new FolderExportCache(Path.Combine(ExportFolder, "cache"));
        await cache.WriteAsync("house-01", new DateOnly(2026, 5, 20), "csv", "old\n"u8.ToArray());
        await cache.WriteAsync("house-01", new DateOnly(2026, 5, 30), "csv", "recent\n"u8.ToArray());
        var aggregator = host.Services.GetRequiredService<MeasureAggregator>();
        aggregator.AddRange([Measure("house-01", 20)]);
        await host.StartAsync();
        try
        {
            await RunUntilAsync(host, "aggregate", Start.AddMinutes(10));
            var state = await RunUntilAsync(host, "purge", new DateTimeOffset(2026, 6, 3, 3, 0, 0, TimeSpan.Zero));

            Assert.Equal(JobOutcome.Succeeded, state.Outcome);
            var kept = await ReadAllAsync(host, House1);
            Assert.Equal(10, kept.Count);
            Assert.All(kept, p => Assert.True(p.Timestamp >= Timestamps.FromDateTimeOffset(Start.AddHours(-1))));
            Assert.Empty(await ReadAllAsync(host, House2));
            var hourly = new RollupDefinition(House1, new FieldReference("indoor", "temperature"), TimeSpan.FromHours(1));
            var purgedHour = await host.Services.GetRequiredService<InProcessRollupEngine>().QueryAsync(hourly, TimeRange.Between(Start.AddDays(-61), Start.AddDays(-59)));
            Assert.Equal(10, Assert.Single(purgedHour).Count); // the rollup keeps what the purge deleted
            Assert.Equal(0, aggregator.GetStatus("indoor-temperature").RawCount);
            Assert.True(aggregator.GetStatus("indoor-temperature").GroupCount > 0, "aggregates are kept");
            Assert.Null(await cache.TryOpenAsync("house-01", new DateOnly(2026, 5, 20), "csv"));
            await using var recent = await cache.TryOpenAsync("house-01", new DateOnly(2026, 5, 30), "csv");
            Assert.NotNull(recent);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_purge_schedule_deletes_rollup_buckets_older_than_the_rollup_retention_for_every_tenant()
    {
        using var host = BuildHost();
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddDays(-1100), 10)); // older than retention.rollups (1000d)
        await store.WriteAsync(House1, Minutes(Start.AddDays(-60), 10));   // older than retention.raw (30d) only
        await store.WriteAsync(House2, Minutes(Start.AddDays(-1100), 3));
        await host.StartAsync();
        try
        {
            var state = await RunUntilAsync(host, "purge", new DateTimeOffset(2026, 6, 3, 3, 0, 0, TimeSpan.Zero));

            Assert.Equal(JobOutcome.Succeeded, state.Outcome);
            Assert.Empty(await ReadAllAsync(host, House1)); // raw points before 30 days are gone
            var engine = host.Services.GetRequiredService<InProcessRollupEngine>();
            var hourly = new RollupDefinition(House1, new FieldReference("indoor", "temperature"), TimeSpan.FromHours(1));
            Assert.Empty(await engine.QueryAsync(hourly, TimeRange.Between(Start.AddDays(-1101), Start.AddDays(-1099))));
            Assert.Empty(await engine.QueryAsync(hourly with { Tenant = House2 }, TimeRange.All));
            Assert.Equal(10, Assert.Single(await engine.QueryAsync(hourly, TimeRange.All)).Count); // the 60-day-old hour is kept
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_purge_with_raw_retention_over_a_store_that_cannot_delete_fails_naming_the_schedule()
    {
        using var host = BuildHost(deleter: false);
        await host.StartAsync();
        try
        {
            var state = await RunUntilAsync(host, "purge", new DateTimeOffset(2026, 6, 2, 3, 0, 0, TimeSpan.Zero));

            Assert.Equal(JobOutcome.Failed, state.Outcome);
            Assert.Contains("Schedule 'purge'", state.Error, StringComparison.Ordinal);
            Assert.Contains("IPointDeleter", state.Error, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_user_schedule_without_a_registered_handler_stops_the_host_from_starting_naming_the_schedule()
    {
        var manifest = Manifest.Replace(
            """{ "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }""",
            """{ "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }, { "name": "weekly-report", "job": "user", "cron": "0 6 * * 1" }""",
            StringComparison.Ordinal);
        Assert.Contains("weekly-report", manifest, StringComparison.Ordinal);
        using var host = BuildHost(manifest);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains("Schedule 'weekly-report' has job kind 'user'", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_schedule_runs_the_handler_the_host_registered()
    {
        var manifest = Manifest.Replace(
            """{ "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }""",
            """{ "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }, { "name": "hourly-report", "job": "user", "cron": "30 * * * *" }""",
            StringComparison.Ordinal);
        var runs = new List<DateTimeOffset>();
        using var host = BuildHost(manifest, s => s.AddKeyedSingleton<Func<JobContext, CancellationToken, ValueTask>>("user", (_, _) => (context, _) =>
        {
            runs.Add(context.Occurrence);
            return ValueTask.CompletedTask;
        }));
        await host.StartAsync();
        try
        {
            await RunUntilAsync(host, "hourly-report", Start.AddMinutes(30));

            Assert.Equal([Start.AddMinutes(30)], runs);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_rules_schedule_evaluates_every_rule_now_and_records_its_firings()
    {
        var manifest = Manifest
            .Replace(
                "\"tenants\": [ { \"id\": \"house-01\" }, { \"id\": \"house-02\" } ],",
                """
                "tenants": [
                  { "id": "house-01", "devices": [ { "name": "indoor", "type": "simulated", "intervalMs": 60000, "simulation": { "model": "load", "seed": 1 } } ] },
                  { "id": "house-02", "devices": [ { "name": "indoor", "type": "simulated", "intervalMs": 60000, "simulation": { "model": "load", "seed": 2 } } ] }
                ],
                "notifiers": [ { "name": "survey", "type": "push" } ],
                "rules": [ { "name": "too-warm", "formula": "indoor.temperature", "window": "1h", "above": 27, "notifier": "survey", "schedule": "0 0 1 1 *" } ],
                """,
                StringComparison.Ordinal)
            .Replace(
                """{ "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }""",
                """{ "name": "purge", "job": "purge", "cron": "0 3 * * *", "maxAttempts": 1 }, { "name": "evaluate", "job": "rules", "cron": "*/30 * * * *", "maxAttempts": 1 }""",
                StringComparison.Ordinal);
        var notifier = new RecordingNotifier();
        var firings = new SqliteRuleFiringStore(_folder.File("firings.db"));
        using var host = BuildHost(manifest, s => s.AddKeyedSingleton<INotifier>("survey", notifier).AddSingleton<IRuleFiringStore>(firings));
        var store = host.Services.GetRequiredService<IPointWriter>();
        await store.WriteAsync(House1, Minutes(Start.AddMinutes(-30), 60, value: 30)); // hot for the last hour before 12:30
        await store.WriteAsync(House2, Minutes(Start.AddMinutes(-30), 60, value: 20));
        await host.StartAsync();
        try
        {
            var state = await RunUntilAsync(host, "evaluate", Start.AddMinutes(30));

            Assert.Equal(JobOutcome.Succeeded, state.Outcome);
            var sent = Assert.Single(notifier.Sent);
            Assert.Equal(("too-warm", "house-01"), (sent.Rule, sent.Tenant));
            var firing = Assert.Single(await firings.QueryAsync(Start));
            Assert.Equal((RuleFiringStatus.Notified, "house-01"), (firing.Status, firing.Tenant));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task An_unsupported_export_format_stops_the_host_from_starting_naming_the_option()
    {
        using var host = BuildHost(configure: s => s.Configure<StudyHostOptions>(o => o.ExportFormat = "xlsx"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("StudyHostOptions.ExportFormat 'xlsx' is not supported; use one of: csv, parquet.", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingNotifier : INotifier
    {
        public ConcurrentQueue<Notification> Sent { get; } = new();

        public ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default)
        {
            Sent.Enqueue(notification);
            return ValueTask.CompletedTask;
        }
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
