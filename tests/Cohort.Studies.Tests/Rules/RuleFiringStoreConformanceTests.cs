using Cohort.Core;
using Cohort.Storage.Sqlite;
using Cohort.Studies.Rules;
using Cohort.Testing.Servers;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Rules;

/// <summary>The contract every <see cref="IRuleFiringStore"/> keeps; two stores on one database stand for two hosts.</summary>
#pragma warning disable CA1001 // disposed by xunit through IAsyncLifetime.DisposeAsync
public abstract class RuleFiringStoreConformanceTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly DateTimeOffset Noon = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Tenant Warm = new("house-01");

    private readonly TempFolder _folder = new();
    private SqlitePointStore _points = null!;

    /// <summary>Two stores on the same (new) database, as two hosts would open them.</summary>
    protected abstract Task<(IRuleFiringStore A, IRuleFiringStore B)> CreateStoresAsync();

    /// <summary>A file in the test's temporary folder.</summary>
    protected string TempFile(string name) => _folder.File(name);

    public async Task InitializeAsync()
    {
        _points = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _folder.File("data") });
        var points = Enumerable.Range(-24 * 12, 48 * 12).Select(i =>
            new Point("indoor", TagSet.Empty, "temperature", 28.0 + ((i & 1) * 0.5), Timestamps.FromDateTimeOffset(Noon.AddMinutes(5 * i))));
        Assert.True((await _points.WriteAsync(Warm, PointBatch.FromPoints(points))).IsComplete);
    }

    public virtual async Task DisposeAsync()
    {
        await _points.DisposeAsync();
        _folder.Dispose();
    }

    private static RuleFiring Firing(string rule, string tenant, DateTimeOffset at, RuleFiringStatus status = RuleFiringStatus.Notified) =>
        new(rule, tenant, at, 27.25, status) { WindowStart = at.AddHours(-1), WindowEnd = at, Samples = 12 };

    [Fact]
    public async Task A_firing_reads_back_with_every_field_to_the_millisecond()
    {
        var (store, _) = await CreateStoresAsync();
        var sent = Firing("too-warm", "house-01", Noon.AddMilliseconds(123)) with { Value = -0.125, Samples = 3600 };
        var failed = Firing("too-warm", "house-01", Noon.AddSeconds(1), RuleFiringStatus.NotifyFailed) with { Error = "The webhook answered 503 'Service Unavailable'." };

        await store.RecordAsync(sent);
        await store.RecordAsync(failed);

        Assert.Equal([sent, failed], await store.QueryAsync(Noon));
    }

    [Fact]
    public async Task Queries_filter_by_time_rule_and_tenant_and_return_the_oldest_first()
    {
        var (store, _) = await CreateStoresAsync();
        RuleFiring[] firings =
        [
            Firing("too-warm", "house-02", Noon.AddMinutes(30)),
            Firing("too-warm", "house-01", Noon.AddMinutes(-30)),
            Firing("too-cool", "house-01", Noon.AddMinutes(10), RuleFiringStatus.SuppressedByCooldown),
            Firing("too-warm", "house-01", Noon.AddMinutes(10), RuleFiringStatus.SuppressedByQuietHours),
            Firing("too-warm", "house-01", Noon, RuleFiringStatus.SuppressedByMaxPerDay),
        ];
        foreach (var firing in firings)
        {
            await store.RecordAsync(firing);
        }

        Assert.Equal([firings[4], firings[2], firings[3], firings[0]], await store.QueryAsync(Noon)); // same time: recorded order
        Assert.Equal([firings[4], firings[3]], await store.QueryAsync(Noon, "too-warm", "house-01"));
        Assert.Equal([firings[1], firings[4], firings[2], firings[3]], await store.QueryAsync(Noon.AddHours(-1), tenant: "house-01"));
        Assert.Equal([firings[2]], await store.QueryAsync(Noon.AddHours(-1), rule: "too-cool"));
        Assert.Empty(await store.QueryAsync(Noon.AddHours(1)));
        Assert.Empty(await store.QueryAsync(Noon.AddHours(-1), "too-warm", "house-03"));
    }

    [Fact]
    public async Task Hosts_sharing_the_database_see_each_others_firings()
    {
        var (a, b) = await CreateStoresAsync();
        var firing = Firing("too-warm", "house-01", Noon);

        await a.RecordAsync(firing);

        Assert.Equal([firing], await b.QueryAsync(Noon.AddDays(-1), "too-warm", "house-01"));
    }

    [Fact]
    public async Task A_cooldown_counts_the_notifications_recorded_in_the_store()
    {
        var (store, _) = await CreateStoresAsync();
        var time = new FakeTimeProvider(Noon);
        var notifier = new RecordingNotifier();
        using var engine = Engine(store, notifier, time, new RuleDefinition("too-warm", "indoor.temperature", "survey") { Above = 27, Cooldown = TimeSpan.FromHours(4) });

        var statuses = new List<RuleFiringStatus>();
        foreach (var hours in new[] { 0, 1, 3, 4 })
        {
            time.SetUtcNow(Noon.AddHours(hours));
            statuses.Add(Assert.Single(await engine.EvaluateAsync("too-warm", [Warm])).Status);
        }

        Assert.Equal([RuleFiringStatus.Notified, RuleFiringStatus.SuppressedByCooldown, RuleFiringStatus.SuppressedByCooldown, RuleFiringStatus.Notified], statuses);
        Assert.Equal(2, notifier.Sent.Count);
        Assert.Equal(4, (await store.QueryAsync(Noon, "too-warm", "house-01")).Count);
    }

    [Fact]
    public async Task The_maximum_per_day_counts_the_notifications_of_the_local_day_recorded_by_either_host()
    {
        var (a, b) = await CreateStoresAsync();
        var time = new FakeTimeProvider(Noon);
        var rule = new RuleDefinition("too-warm", "indoor.temperature", "survey") { Above = 27, MaxPerDay = 2 };
        using var hostA = Engine(a, new RecordingNotifier(), time, rule);
        using var hostB = Engine(b, new RecordingNotifier(), time, rule);

        var statuses = new List<RuleFiringStatus>();
        foreach (var (at, engine) in new[] { (Noon, hostA), (Noon.AddHours(1), hostB), (Noon.AddHours(2), hostA), (Noon.AddHours(10), hostB) })
        {
            time.SetUtcNow(at); // the last is 00:00 the next day in Zurich
            statuses.Add(Assert.Single(await engine.EvaluateAsync("too-warm", [Warm])).Status);
        }

        Assert.Equal([RuleFiringStatus.Notified, RuleFiringStatus.Notified, RuleFiringStatus.SuppressedByMaxPerDay, RuleFiringStatus.Notified], statuses);
    }

    private RuleEngine Engine(IRuleFiringStore store, INotifier notifier, TimeProvider time, RuleDefinition rule) => new(
        [rule], new Dictionary<string, INotifier> { ["survey"] = notifier }, store, _points,
        tenantTimeZones: new Dictionary<string, string> { ["house-01"] = "Europe/Zurich" },
        timeProvider: time);
}

public sealed class SqliteRuleFiringStoreTests : RuleFiringStoreConformanceTests
{
    private readonly List<SqliteRuleFiringStore> _stores = [];

    protected override Task<(IRuleFiringStore A, IRuleFiringStore B)> CreateStoresAsync()
    {
        var file = TempFile($"firings-{_stores.Count}.db");
        _stores.Add(new SqliteRuleFiringStore(file));
        _stores.Add(new SqliteRuleFiringStore(file));
        return Task.FromResult<(IRuleFiringStore, IRuleFiringStore)>((_stores[^2], _stores[^1]));
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        await base.DisposeAsync();
    }
}

public sealed class PostgresRuleFiringStoreTests(PostgresFixture pg) : RuleFiringStoreConformanceTests, IClassFixture<PostgresFixture>
{
    private readonly List<PostgresRuleFiringStore> _stores = [];

    protected override async Task<(IRuleFiringStore A, IRuleFiringStore B)> CreateStoresAsync()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("firings");
        _stores.Add(new PostgresRuleFiringStore(connectionString));
        _stores.Add(new PostgresRuleFiringStore(connectionString));
        return (_stores[^2], _stores[^1]);
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
