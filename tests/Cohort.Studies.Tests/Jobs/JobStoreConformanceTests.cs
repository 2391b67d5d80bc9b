using Cohort.Studies.Jobs;
using Cohort.Testing.Servers;

namespace Cohort.Studies.Tests.Jobs;

/// <summary>The contract every <see cref="IJobStore"/> keeps; two stores on one database stand for two hosts.</summary>
public abstract class JobStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Two stores on the same database, as two hosts would open them.</summary>
    protected abstract Task<(IJobStore A, IJobStore B)> CreateStoresAsync();

    private static JobState StateFor(string name, DateTimeOffset occurrence) => new(name, occurrence, JobOutcome.Succeeded)
    {
        StartedAt = occurrence,
        FinishedAt = occurrence.AddSeconds(2),
        Attempts = 1,
        NextOccurrence = occurrence.AddHours(1),
        Host = "a",
    };

    [Fact]
    public async Task A_completed_occurrence_is_recorded_and_never_claimed_again()
    {
        var (a, b) = await CreateStoresAsync();
        var claim = await a.TryClaimAsync("job", T0);
        Assert.NotNull(claim);
        await claim.CompleteAsync(StateFor("job", T0));

        Assert.Null(await a.TryClaimAsync("job", T0));
        Assert.Null(await b.TryClaimAsync("job", T0));
        var state = await b.GetStateAsync("job");
        Assert.NotNull(state);
        Assert.Equal(T0, state.LastOccurrence);
        Assert.Equal(JobOutcome.Succeeded, state.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(2), state.Duration);
        Assert.Equal(T0.AddHours(1), state.NextOccurrence);
        Assert.Equal("a", state.Host);
    }

    [Fact]
    public async Task A_held_claim_keeps_the_other_host_out()
    {
        var (a, b) = await CreateStoresAsync();
        var claim = await a.TryClaimAsync("held", T0);
        Assert.NotNull(claim);
        Assert.Null(await b.TryClaimAsync("held", T0));
        await claim.DisposeAsync();
    }

    [Fact]
    public async Task A_released_claim_can_be_taken_by_the_other_host()
    {
        var (a, b) = await CreateStoresAsync();
        var claim = await a.TryClaimAsync("released", T0);
        Assert.NotNull(claim);
        await claim.DisposeAsync();

        var second = await b.TryClaimAsync("released", T0);
        Assert.NotNull(second);
        await second.DisposeAsync();
        Assert.Null(await a.GetStateAsync("released")); // never completed: no state
    }

    [Fact]
    public async Task The_next_occurrence_is_claimable_after_the_previous_one_ran()
    {
        var (a, b) = await CreateStoresAsync();
        var first = await a.TryClaimAsync("hourly", T0);
        await first!.CompleteAsync(StateFor("hourly", T0));

        var next = await b.TryClaimAsync("hourly", T0.AddHours(1));
        Assert.NotNull(next);
        await next.CompleteAsync(StateFor("hourly", T0.AddHours(1)) with { Outcome = JobOutcome.Failed, Error = "boom" });

        Assert.Null(await a.TryClaimAsync("hourly", T0)); // an older occurrence never runs again
        var state = await a.GetStateAsync("hourly");
        Assert.Equal(JobOutcome.Failed, state!.Outcome);
        Assert.Equal("boom", state.Error);
    }

    [Fact]
    public async Task States_are_listed_by_name()
    {
        var (a, _) = await CreateStoresAsync();
        foreach (var name in new[] { "zeta", "alpha" })
        {
            var claim = await a.TryClaimAsync(name, T0);
            await claim!.CompleteAsync(StateFor(name, T0));
        }

        Assert.Equal(["alpha", "zeta"], (await a.ListStatesAsync()).Select(s => s.JobName));
    }
}

public sealed class SqliteJobStoreTests : JobStoreConformanceTests, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override Task<(IJobStore A, IJobStore B)> CreateStoresAsync()
    {
        var file = _folder.File("jobs.db");
        return Task.FromResult<(IJobStore, IJobStore)>((new SqliteJobStore(file), new SqliteJobStore(file)));
    }

    public void Dispose() => _folder.Dispose();
}

public sealed class PostgresJobStoreTests(PostgresFixture pg) : JobStoreConformanceTests, IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly List<PostgresJobStore> _stores = [];

    protected override async Task<(IJobStore A, IJobStore B)> CreateStoresAsync()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("jobs");
        _stores.Add(new PostgresJobStore(connectionString));
        _stores.Add(new PostgresJobStore(connectionString));
        return (_stores[^2], _stores[^1]);
    }

    [Fact]
    public void Lock_keys_are_stable_and_distinct_per_job()
    {
        Assert.Equal(PostgresJobStore.GetLockKey("purge"), PostgresJobStore.GetLockKey("purge"));
        Assert.NotEqual(PostgresJobStore.GetLockKey("purge"), PostgresJobStore.GetLockKey("export"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }
}
