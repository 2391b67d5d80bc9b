using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cohort.Core;
using Cohort.Storage.Sqlite;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Rules;

#pragma warning disable CA1001 // disposed by xunit through IAsyncLifetime.DisposeAsync
public sealed class RuleEngineTests : IAsyncLifetime
#pragma warning restore CA1001
{
    // 12:00 UTC on 1 July 2026 is 14:00 in Zurich (CEST).
    private static readonly DateTimeOffset Noon = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Tenant Warm = new("house-01");
    private static readonly Tenant Cool = new("house-02");

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Noon);
    private SqlitePointStore _store = null!;
    private SqliteRuleFiringStore _firings = null!;

    public async Task InitializeAsync()
    {
        _store = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _folder.File("data") });
        _firings = new SqliteRuleFiringStore(_folder.File("firings.db"));
        foreach (var (tenant, value) in new[] { (Warm, 28.0), (Cool, 22.0) })
        {
            var points = Enumerable.Range(-24 * 12, 48 * 12).Select(i =>
                new Point("indoor", TagSet.Empty, "temperature", value + ((i & 1) * 0.5), Timestamps.FromDateTimeOffset(Noon.AddMinutes(5 * i))));
            var result = await _store.WriteAsync(tenant, PointBatch.FromPoints(points));
            Assert.True(result.IsComplete);
        }
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _firings.Dispose();
        _folder.Dispose();
    }

    private static RuleDefinition TooWarm => new("too-warm", "indoor.temperature", "survey") { Above = 27, Message = "thermal-comfort survey" };

    private RuleEngine Engine(RecordingNotifier notifier, params RuleDefinition[] rules) => new(
        rules, new Dictionary<string, INotifier> { ["survey"] = notifier }, _firings, _store,
        tenantTimeZones: new Dictionary<string, string> { ["house-01"] = "Europe/Zurich", ["house-02"] = "Europe/Zurich" },
        timeProvider: _time);

    [Fact]
    public async Task Fires_for_the_tenant_whose_hourly_mean_is_above_the_threshold_and_records_the_value()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, TooWarm);

        var firings = await engine.EvaluateAsync("too-warm", [Warm, Cool]);

        var firing = Assert.Single(firings);
        Assert.Equal(("too-warm", "house-01", RuleFiringStatus.Notified), (firing.Rule, firing.Tenant, firing.Status));
        Assert.Equal(28.25, firing.Value, 3); // 28 and 28.5 alternate over the hour [11:00, 12:00)
        Assert.Equal(12, firing.Samples);
        Assert.Equal(Noon.AddHours(-1), firing.WindowStart);
        var sent = Assert.Single(notifier.Sent);
        Assert.Equal(new Notification("too-warm", "house-01", firing.Value, Noon, "thermal-comfort survey"), sent);
        Assert.Equal([firing], await _firings.QueryAsync(Noon.AddDays(-1)));
    }

    [Fact]
    public async Task A_cooldown_suppresses_notifications_until_it_has_passed()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, TooWarm with { Cooldown = TimeSpan.FromHours(4) });

        var statuses = new List<RuleFiringStatus>();
        foreach (var hours in new[] { 0, 1, 3, 4 })
        {
            _time.SetUtcNow(Noon.AddHours(hours));
            statuses.Add(Assert.Single(await engine.EvaluateAsync("too-warm", [Warm])).Status);
        }

        Assert.Equal([RuleFiringStatus.Notified, RuleFiringStatus.SuppressedByCooldown, RuleFiringStatus.SuppressedByCooldown, RuleFiringStatus.Notified], statuses);
        Assert.Equal(2, notifier.Sent.Count);
        Assert.Equal(4, (await _firings.QueryAsync(Noon, "too-warm", "house-01")).Count); // suppressed firings are recorded too
    }

    [Fact]
    public async Task Quiet_hours_are_in_the_tenants_local_time()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, TooWarm with { QuietHours = "22:00-07:00" });

        _time.SetUtcNow(Noon.AddHours(7).AddMinutes(30)); // 19:30 UTC = 21:30 in Zurich
        var evening = Assert.Single(await engine.EvaluateAsync("too-warm", [Warm]));
        _time.SetUtcNow(Noon.AddHours(9).AddMinutes(30)); // 21:30 UTC = 23:30 in Zurich
        var night = Assert.Single(await engine.EvaluateAsync("too-warm", [Warm]));

        Assert.Equal(RuleFiringStatus.SuppressedByQuietHours, night.Status);
        Assert.Equal(RuleFiringStatus.Notified, evening.Status);
        Assert.Single(notifier.Sent);
    }

    [Fact]
    public async Task The_maximum_per_day_counts_notifications_of_the_local_day()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, TooWarm with { MaxPerDay = 2 });

        var statuses = new List<RuleFiringStatus>();
        foreach (var at in new[] { Noon, Noon.AddHours(1), Noon.AddHours(2), Noon.AddHours(10) }) // the last is 00:00 next day in Zurich
        {
            _time.SetUtcNow(at);
            statuses.Add(Assert.Single(await engine.EvaluateAsync("too-warm", [Warm])).Status);
        }

        Assert.Equal([RuleFiringStatus.Notified, RuleFiringStatus.Notified, RuleFiringStatus.SuppressedByMaxPerDay, RuleFiringStatus.Notified], statuses);
    }

    [Fact]
    public async Task A_rule_scoped_to_tenants_ignores_the_others_and_below_thresholds_work()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, new RuleDefinition("too-cool", "indoor.temperature", "survey") { Below = 23, Tenants = ["house-01"] },
            new RuleDefinition("cool-anywhere", "indoor.temperature", "survey") { Below = 23, Aggregate = RuleAggregate.Max });

        Assert.Empty(await engine.EvaluateAsync("too-cool", [Warm, Cool]));
        Assert.Equal("house-02", Assert.Single(await engine.EvaluateAsync("cool-anywhere", [Warm, Cool])).Tenant);
    }

    [Fact]
    public async Task A_rule_runs_as_a_scheduled_job()
    {
        var notifier = new RecordingNotifier();
        using var engine = Engine(notifier, TooWarm with { Schedule = "*/15 * * * *" });
        var job = engine.CreateJob("too-warm", () => [Warm, Cool]);
        var options = new JobSchedulerOptions();
        options.Jobs.Add(job);
        using var scheduler = new JobScheduler(options, new SqliteJobStore(_folder.File("jobs.db"), _time), _time);

        var state = await scheduler.RunOccurrenceAsync("rule:too-warm", Noon);

        Assert.Equal(JobOutcome.Succeeded, state!.Outcome);
        Assert.Equal("*/15 * * * *", job.Cron);
        Assert.Single(notifier.Sent);
    }

    [Fact]
    public async Task The_webhook_notifier_posts_signed_json_to_a_real_http_listener()
    {
        using var listener = StartListener(out var url);
        var key = Encoding.UTF8.GetBytes("study-webhook-secret");
        using var http = new HttpClient();
        using var engine = new RuleEngine([TooWarm], new Dictionary<string, INotifier> { ["survey"] = new WebhookNotifier(http, url, key) }, _firings, _store, timeProvider: _time);

        var evaluation = engine.EvaluateAsync("too-warm", [Warm]);
        var context = await listener.GetContextAsync();
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var signature = context.Request.Headers[WebhookNotifier.SignatureHeader];
        context.Response.StatusCode = 204;
        context.Response.Close();
        var firing = Assert.Single(await evaluation);

        Assert.Equal("POST", context.Request.HttpMethod);
        Assert.Equal(RuleFiringStatus.Notified, firing.Status);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body.ToArray())), signature);
        using var json = JsonDocument.Parse(body.ToArray());
        Assert.Equal("too-warm", json.RootElement.GetProperty("rule").GetString());
        Assert.Equal("house-01", json.RootElement.GetProperty("tenant").GetString());
        Assert.Equal(firing.Value, json.RootElement.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task A_webhook_error_is_recorded_as_a_failed_firing()
    {
        using var listener = StartListener(out var url);
        using var http = new HttpClient();
        using var engine = new RuleEngine([TooWarm], new Dictionary<string, INotifier> { ["survey"] = new WebhookNotifier(http, url) }, _firings, _store, timeProvider: _time);

        var evaluation = engine.EvaluateAsync("too-warm", [Warm]);
        var context = await listener.GetContextAsync();
        context.Response.StatusCode = 503;
        context.Response.Close();
        var firing = Assert.Single(await evaluation);

        Assert.Equal(RuleFiringStatus.NotifyFailed, firing.Status);
        Assert.Contains("503", firing.Error, StringComparison.Ordinal);
        Assert.Equal(RuleFiringStatus.NotifyFailed, Assert.Single(await _firings.QueryAsync(Noon)).Status);
    }

    [Fact]
    public void Rules_come_from_the_manifest()
    {
        var manifest = StudyManifestReader.Parse(File.ReadAllText(Repository.PathOf("docs", "study-manifest.example.json")), Manifest.StudyManifestTests.Drivers);
        var rule = RuleDefinition.FromManifest(manifest.Rules[0]);

        Assert.Equal(TimeSpan.FromHours(1), rule.Window);
        Assert.Equal(RuleAggregate.Mean, rule.Aggregate);
        Assert.Equal(TimeSpan.FromHours(4), rule.Cooldown);
        Assert.Equal(["house-01"], rule.Tenants);
        Assert.True(rule.Holds(27.5));
        Assert.False(rule.Holds(27));
    }

    private static HttpListener StartListener(out Uri url)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        url = new Uri($"http://127.0.0.1:{port}/hooks/cohort/");
        var listener = new HttpListener();
        listener.Prefixes.Add(url.ToString());
        listener.Start();
        return listener;
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
}
