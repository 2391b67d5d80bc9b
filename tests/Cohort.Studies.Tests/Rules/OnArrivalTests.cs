using System.Diagnostics.Metrics;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Storage.Sqlite;
using Cohort.Studies.Exports;
using Cohort.Studies.Hosting;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Rules;

/// <summary>Rules evaluated as data arrives, through the <see cref="StudyPointWriter"/> in front of a real store.</summary>
#pragma warning disable CA1001 // disposed by xunit through IAsyncLifetime.DisposeAsync
public sealed class OnArrivalTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset Noon = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Tenant Warm = new("house-01");
    private static readonly Tenant Other = new("house-02");
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Noon);
    private SqlitePointStore _store = null!;
    private SqliteRuleFiringStore _firings = null!;

    public Task InitializeAsync()
    {
        _store = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _folder.File("data") });
        _firings = new SqliteRuleFiringStore(_folder.File("firings.db"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _firings.Dispose();
        _folder.Dispose();
    }

    private static RuleDefinition TooWarm => new("too-warm", "indoor.temperature", "survey") { Above = 27, Schedule = RuleDefinition.OnArrival };

    /// <summary>Warm readings over the last <paramref name="minutes"/> minutes before the clock's now.</summary>
    private PointBatch Readings(int minutes = 10, double value = 28, string measurement = "indoor", string field = "temperature") => PointBatch.FromPoints(
        Enumerable.Range(1, minutes).Select(i => new Point(measurement, TagSet.Empty, field, value, Timestamps.FromDateTimeOffset(_time.GetUtcNow().AddMinutes(-i)))));

    private RuleEngine Engine(INotifier notifier, IRuleFiringStore? firings = null, ILogger<RuleEngine>? logger = null, IMeterFactory? meters = null, params RuleDefinition[] rules) => new(
        rules.Length == 0 ? [TooWarm] : rules, new Dictionary<string, INotifier> { ["survey"] = notifier }, firings ?? _firings, _store,
        timeProvider: _time, logger: logger, meterFactory: meters);

    private static Task IdleAsync(RuleEngine engine) => Eventually.HoldsAsync(() => Task.FromResult(engine.ArrivalBacklog == 0), "the on-arrival evaluations to finish");

    private static async Task<WriteResult> WriteAsync(StudyPointWriter writer, Tenant tenant, PointBatch batch)
    {
        var result = await writer.WriteAsync(tenant, batch).AsTask().WaitAsync(Limit); // a write waiting on the notifier would hang here
        Assert.True(result.IsComplete);
        return result;
    }

    [Fact]
    public async Task A_write_fires_an_on_arrival_rule_once_through_a_real_webhook_and_is_acknowledged_before_the_webhook_answers()
    {
        using var listener = LocalWebhook.Start("hooks/arrival", out var url);
        using var http = new HttpClient();
        using var engine = Engine(new WebhookNotifier(http, url));
        var writer = new StudyPointWriter(_store, engine);

        await WriteAsync(writer, Warm, Readings()); // returns while the webhook has not been answered
        var context = await listener.GetContextAsync().WaitAsync(Limit);
        context.Response.StatusCode = 204;
        context.Response.Close();
        await IdleAsync(engine);

        var firing = Assert.Single(await _firings.QueryAsync(Noon.AddDays(-1)));
        Assert.Equal(("too-warm", "house-01", RuleFiringStatus.Notified, 28.0, 10), (firing.Rule, firing.Tenant, firing.Status, firing.Value, firing.Samples));
    }

    [Fact]
    public async Task A_burst_of_a_thousand_writes_coalesces_into_one_running_and_one_pending_evaluation()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var arrivals = new MetricCollector<long>(meters, "Cohort.Studies", "cohort.studies.rules.arrivals");
        var notifier = new GatedNotifier();
        using var engine = Engine(notifier, meters: meters);
        var writer = new StudyPointWriter(_store, engine);

        await WriteAsync(writer, Warm, Readings(1));
        await notifier.Entered.Task.WaitAsync(Limit); // the first evaluation is in flight, held in the notifier
        for (var i = 0; i < 999; i++)
        {
            await WriteAsync(writer, Warm, Readings(1, 28 + (i % 5)));
        }

        Assert.Equal(1, engine.ArrivalBacklog);
        notifier.Release();
        await IdleAsync(engine);

        Assert.Equal(2, notifier.Calls); // the running one, then one for everything that arrived meanwhile
        Assert.Equal(2, (await _firings.QueryAsync(Noon.AddDays(-1))).Count);
        var byOutcome = arrivals.GetMeasurementSnapshot().GroupBy(m => (string)m.Tags["outcome"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(1, byOutcome["queued"]);
        Assert.Equal(999, byOutcome["coalesced"]);
        Assert.False(byOutcome.ContainsKey("dropped"));
    }

    [Fact]
    public async Task The_cooldown_holds_for_rules_evaluated_on_arrival()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, rules: TooWarm with { Cooldown = TimeSpan.FromHours(4) });
        var writer = new StudyPointWriter(_store, engine);

        var statuses = new List<RuleFiringStatus>();
        foreach (var hours in new[] { 0, 1, 4 })
        {
            _time.SetUtcNow(Noon.AddHours(hours));
            await WriteAsync(writer, Warm, Readings());
            await IdleAsync(engine);
            statuses.Add((await _firings.QueryAsync(Noon.AddDays(-1)))[^1].Status);
        }

        Assert.Equal([RuleFiringStatus.Notified, RuleFiringStatus.SuppressedByCooldown, RuleFiringStatus.Notified], statuses);
        Assert.Equal(2, notifier.Sent.Count);
    }

    [Fact]
    public async Task Only_the_writing_tenant_and_rules_reading_the_written_fields_are_evaluated()
    {
        foreach (var tenant in new[] { Warm, Other })
        {
            Assert.True((await _store.WriteAsync(tenant, Readings(30))).IsComplete); // both are too warm already
        }

        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, rules:
        [
            TooWarm,
            new RuleDefinition("house-01-only", "indoor.temperature", "survey") { Above = 27, Schedule = RuleDefinition.OnArrival, Tenants = ["house-01"] },
            new RuleDefinition("scheduled", "indoor.temperature", "survey") { Above = 27 },
            new RuleDefinition("humid", "indoor.humidity * 1", "survey") { Above = 10, Schedule = RuleDefinition.OnArrival },
        ]);
        var writer = new StudyPointWriter(_store, engine);

        await WriteAsync(writer, Other, Readings(1));
        await IdleAsync(engine);
        await WriteAsync(writer, Warm, Readings(1, 55, "outdoor", "humidity")); // a field no rule reads
        await IdleAsync(engine);

        var firing = Assert.Single(await _firings.QueryAsync(Noon.AddDays(-1)));
        Assert.Equal(("too-warm", "house-02"), (firing.Rule, firing.Tenant));
        Assert.Equal(["house-02"], notifier.Sent.Select(n => n.Tenant));
        Assert.Equal(0, engine.OnDataArrived(Warm, [new FieldReference("outdoor", "humidity")]));
        Assert.Equal(2, engine.OnDataArrived(Warm, [new FieldReference("indoor", "temperature")])); // too-warm and house-01-only
        await IdleAsync(engine);
    }

    [Fact]
    public async Task A_rule_over_an_analytic_is_triggered_by_the_fields_the_analytic_reads_in_the_tenants_scope()
    {
        var scope = FormulaScope.Empty.WithAnalytic("discomfort", Formula.Parse("indoor.temperature - 27"));
        var notifier = new RecordingNotifier();
        using var engine = new RuleEngine(
            [new RuleDefinition("uncomfortable", "discomfort", "survey") { Above = 0.5, Schedule = RuleDefinition.OnArrival }],
            new Dictionary<string, INotifier> { ["survey"] = notifier }, _firings, _store,
            scopes: tenant => tenant == Warm ? scope : FormulaScope.Empty, timeProvider: _time);
        var writer = new StudyPointWriter(_store, engine);

        await WriteAsync(writer, Other, Readings()); // the analytic is not in house-02's scope: the rule does not bind there
        await WriteAsync(writer, Warm, Readings());
        await IdleAsync(engine);

        var sent = Assert.Single(notifier.Sent);
        Assert.Equal(("house-01", 1.0), (sent.Tenant, sent.Value));
        Assert.Equal(0, engine.OnDataArrived(Warm, [new FieldReference("indoor", "humidity")]));
    }

    [Fact]
    public async Task A_stalled_notifier_neither_holds_nor_fails_the_writes()
    {
        var notifier = new GatedNotifier();
        using var engine = Engine(notifier);
        var writer = new StudyPointWriter(_store, engine);

        for (var i = 0; i < 50; i++)
        {
            await WriteAsync(writer, Warm, Readings(2)); // each write returns while the first notification is still stuck
        }

        await notifier.Entered.Task.WaitAsync(Limit);
        Assert.Equal(1, notifier.Calls);
        Assert.Equal(1, engine.ArrivalBacklog);
        notifier.Release();
        await IdleAsync(engine);
        Assert.InRange(notifier.Calls, 1, 2); // 2 when a write came after the first evaluation had read the store
    }

    [Fact]
    public async Task A_failing_notifier_or_firing_store_is_logged_and_the_write_still_succeeds()
    {
        var logger = new FakeLogger<RuleEngine>();
        using var failingNotifier = Engine(new ThrowingNotifier(), logger: logger);
        using var failingStore = Engine(new RecordingNotifier(), new BrokenFiringStore(), logger);

        var first = await WriteAsync(new StudyPointWriter(_store, failingNotifier), Warm, Readings());
        var second = await WriteAsync(new StudyPointWriter(_store, failingStore), Other, Readings());
        await IdleAsync(failingNotifier);
        await IdleAsync(failingStore);

        Assert.Equal((10, 10), (first.Written, second.Written));
        Assert.Equal(RuleFiringStatus.NotifyFailed, Assert.Single(await _firings.QueryAsync(Noon.AddDays(-1))).Status);
        var error = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains("house-02", error.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(error.Exception);
    }

    [Fact]
    public async Task A_late_write_invalidates_the_cached_export_day_it_lands_in_and_a_live_write_does_not()
    {
        var day1 = new DateTimeOffset(2026, 7, 2, 0, 0, 0, TimeSpan.Zero);
        _time.SetUtcNow(day1.AddDays(4));
        var cache = new FolderExportCache(_folder.File("cache"));
        var exporter = new ResearchExporter(_store, cache, _time);
        var writer = new StudyPointWriter(_store, rules: null, exporter, _time);
        Assert.True((await _store.WriteAsync(Warm, PointBatch.FromPoints(Enumerable.Range(0, 3 * 24).Select(h =>
            new Point("indoor", TagSet.Empty, "temperature", 21.0, Timestamps.FromDateTimeOffset(day1.AddHours(h))))))).IsComplete);
        var range = TimeRange.Between(day1, day1.AddDays(3));
        await ExportAsync(exporter, range);
        Assert.Equal(3, Directory.GetFiles(_folder.File("cache/house-01")).Length);

        await WriteAsync(writer, Warm, Readings(5)); // live data
        Assert.Equal(3, Directory.GetFiles(_folder.File("cache/house-01")).Length);
        await WriteAsync(writer, Warm, PointBatch.FromPoints([new Point("indoor", TagSet.Empty, "temperature", 23.5, Timestamps.FromDateTimeOffset(day1.AddDays(1).AddMinutes(30)))]));

        Assert.Equal(["2026-07-02.csv", "2026-07-04.csv"], Directory.GetFiles(_folder.File("cache/house-01")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var (csv, result) = await ExportAsync(exporter, range);
        Assert.Equal((2, 1), (result.DaysFromCache, result.DaysFromStore));
        Assert.Contains("house-01,2026-07-03T00:30:00.0000000Z,indoor,,temperature,23.5\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fields_of_a_batch_are_its_distinct_measurement_and_field_pairs()
    {
        var batch = PointBatch.FromPoints(
        [
            new Point("indoor", TagSet.Create(("room", "a")), "temperature", 21.0, 1),
            new Point("indoor", TagSet.Create(("room", "b")), "temperature", 22.0, 2),
            new Point("indoor", TagSet.Empty, "humidity", 40.0, 3),
            new Point("watch", TagSet.Empty, "temperature", 33.0, 4),
            new Point("indoor", TagSet.Create(("room", "a")), "temperature", 21.0, 5),
        ]);

        var fields = StudyPointWriter.FieldsOf(batch);

        Assert.Equal(["indoor.humidity", "indoor.temperature", "watch.temperature"], fields.Select(f => f.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_fields_of_a_wide_batch_count_field_ids_past_64_and_series_past_256()
    {
        var points = Enumerable.Range(0, 300).Select(i => new Point("m" + i, TagSet.Empty, "f0", 1.0, i))
            .Concat(Enumerable.Range(0, 70).Select(f => new Point("wide", TagSet.Empty, "f" + f, 1.0, f)))
            .Concat([new Point("wide", TagSet.Empty, "f69", 2.0, 100), new Point("m299", TagSet.Empty, "f69", 2.0, 100)]);

        var fields = StudyPointWriter.FieldsOf(PointBatch.FromPoints(points));

        Assert.Equal(300 + 70 + 1, fields.Count);
        Assert.Contains(new FieldReference("wide", "f69"), fields);
        Assert.Contains(new FieldReference("m299", "f69"), fields);
        Assert.Contains(new FieldReference("m0", "f0"), fields);
    }

    private static async Task<(string Csv, ExportResult Result)> ExportAsync(ResearchExporter exporter, TimeRange range)
    {
        using var output = new MemoryStream();
        var result = await exporter.ExportCsvAsync(output, [Warm], range);
        return (System.Text.Encoding.UTF8.GetString(output.ToArray()), result);
    }

    /// <summary>Holds every notification until released; counts the calls.</summary>
    private sealed class GatedNotifier : INotifier
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public void Release() => _gate.TrySetResult();

        public async ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Entered.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed class ThrowingNotifier : INotifier
    {
        public ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default) =>
            throw new WebhookException("The webhook answered 500.", isTransient: true);
    }

    private sealed class BrokenFiringStore : IRuleFiringStore
    {
        public ValueTask RecordAsync(RuleFiring firing, CancellationToken cancellationToken = default) => throw new IOException("disk full");

        public ValueTask<IReadOnlyList<RuleFiring>> QueryAsync(DateTimeOffset since, string? rule = null, string? tenant = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<RuleFiring>>([]);
    }
}
