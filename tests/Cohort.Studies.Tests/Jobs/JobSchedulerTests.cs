using System.Collections.Concurrent;
using Cohort.Studies.Jobs;
using Cohort.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Jobs;

public sealed class JobSchedulerTests(PostgresFixture pg) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static JobSchedulerOptions Options(string host, params JobDefinition[] jobs)
    {
        var options = new JobSchedulerOptions { HostId = host };
        foreach (var job in jobs)
        {
            options.Jobs.Add(job);
        }

        return options;
    }

    [Fact]
    public async Task Runs_an_occurrence_further_away_than_the_longest_single_delay()
    {
        var time = new FakeTimeProvider(Start);
        var runs = new ConcurrentQueue<DateTimeOffset>();
        var job = new JobDefinition("yearly", "0 0 1 6 *", (ctx, _) =>
        {
            runs.Enqueue(ctx.Occurrence);
            return ValueTask.CompletedTask;
        });
        using var scheduler = new JobScheduler(Options("h1", job), new SqliteJobStore(_folder.File("jobs.db"), time), time);
        using var stop = new CancellationTokenSource();
        var loop = scheduler.RunAsync(stop.Token);

        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromDays(1), () => !runs.IsEmpty || loop.IsCompleted, "the June occurrence (151 days away)");

        await stop.CancelAsync();
        await loop;
        Assert.Equal([new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)], runs);
    }

    [Fact]
    public async Task Runs_each_occurrence_as_the_clock_reaches_it_and_persists_state()
    {
        var time = new FakeTimeProvider(Start);
        var runs = new ConcurrentQueue<DateTimeOffset>();
        var job = new JobDefinition("every-10s", "*/10 * * * * *", (ctx, _) =>
        {
            runs.Enqueue(ctx.Occurrence);
            return ValueTask.CompletedTask;
        });
        var store = new SqliteJobStore(_folder.File("jobs.db"), time);
        using var scheduler = new JobScheduler(Options("h1", job), store, time);
        using var stop = new CancellationTokenSource();
        var loop = scheduler.RunAsync(stop.Token);

        for (var i = 1; i <= 3; i++)
        {
            var expected = Start.AddSeconds(10 * i);
            await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => runs.Count == i, $"run {i}");
            await Eventually.HoldsAsync(async () => (await store.GetStateAsync("every-10s"))?.LastOccurrence == expected, $"state of run {i}");
        }

        await stop.CancelAsync();
        await loop;
        Assert.Equal([Start.AddSeconds(10), Start.AddSeconds(20), Start.AddSeconds(30)], runs);
        var state = await store.GetStateAsync("every-10s");
        Assert.Equal(JobOutcome.Succeeded, state!.Outcome);
        Assert.Equal(Start.AddSeconds(40), state.NextOccurrence);
        Assert.Equal("h1", state.Host);
    }

    [Fact]
    public async Task A_failing_job_is_retried_with_exponential_backoff_then_succeeds()
    {
        var time = new FakeTimeProvider(Start);
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        var job = new JobDefinition("flaky", "0 * * * *", (ctx, _) =>
        {
            attempts.Enqueue(time.GetUtcNow());
            return ctx.Attempt < 3 ? throw new InvalidOperationException($"attempt {ctx.Attempt} failed") : ValueTask.CompletedTask;
        }) { RetryDelay = TimeSpan.FromSeconds(30) };
        using var scheduler = new JobScheduler(Options("h1", job), new SqliteJobStore(_folder.File("jobs.db"), time), time);

        var run = scheduler.RunOccurrenceAsync("flaky", Start);
        await Eventually.AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => run.IsCompleted, "the third attempt");
        var state = await run;

        Assert.Equal(JobOutcome.Succeeded, state!.Outcome);
        Assert.Equal(3, state.Attempts);
        Assert.Null(state.Error);
        var at = attempts.ToArray();
        Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(30), $"first retry after {at[1] - at[0]}");
        Assert.True(at[2] - at[1] >= TimeSpan.FromSeconds(60), $"second retry after {at[2] - at[1]}");
        Assert.True(state.Duration >= TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task A_job_failing_every_attempt_is_recorded_as_failed_and_counted()
    {
        var job = new JobDefinition("broken", "0 * * * *", (_, _) => throw new InvalidOperationException("disk full"))
        {
            MaxAttempts = 2,
            RetryDelay = TimeSpan.Zero,
        };
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var runs = new MetricCollector<long>(meterFactory, "Cohort.Studies", "cohort.studies.jobs.runs");
        using var retries = new MetricCollector<long>(meterFactory, "Cohort.Studies", "cohort.studies.jobs.retries");
        using var scheduler = new JobScheduler(Options("h1", job), new SqliteJobStore(_folder.File("jobs.db")), meterFactory: meterFactory);

        var state = await scheduler.RunOccurrenceAsync("broken", Start);

        Assert.Equal(JobOutcome.Failed, state!.Outcome);
        Assert.Equal(2, state.Attempts);
        Assert.Equal("disk full", state.Error);
        var measurement = Assert.Single(runs.GetMeasurementSnapshot());
        Assert.Equal("failed", measurement.Tags["outcome"]);
        Assert.Equal("broken", measurement.Tags["job"]);
        Assert.Equal(1, Assert.Single(retries.GetMeasurementSnapshot()).Value);
        Assert.Equal(JobOutcome.Failed, (await scheduler.Store.GetStateAsync("broken"))!.Outcome);
    }

    [Fact]
    public async Task Two_hosts_on_PostgreSQL_run_a_contended_occurrence_once()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("jobs2");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var job = new JobDefinition("nightly", "0 2 * * *", async (_, ct) =>
        {
            Interlocked.Increment(ref count);
            started.TrySetResult();
            await gate.Task.WaitAsync(ct);
        });
        await using var storeA = new PostgresJobStore(connectionString);
        await using var storeB = new PostgresJobStore(connectionString);
        using var hostA = new JobScheduler(Options("a", job), storeA);
        using var hostB = new JobScheduler(Options("b", job), storeB);
        var occurrence = new DateTimeOffset(2026, 1, 2, 2, 0, 0, TimeSpan.Zero);

        var runA = hostA.RunOccurrenceAsync("nightly", occurrence);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var runB = await hostB.RunOccurrenceAsync("nightly", occurrence); // A holds the advisory lock
        gate.SetResult();
        var stateA = await runA;
        var later = await hostB.RunOccurrenceAsync("nightly", occurrence); // lock free, but the occurrence is recorded

        Assert.Null(runB);
        Assert.Null(later);
        Assert.Equal(1, count);
        Assert.Equal("a", stateA!.Host);
        Assert.Equal(occurrence, (await storeB.GetStateAsync("nightly"))!.LastOccurrence);
    }

    [Fact]
    public async Task Two_scheduler_loops_on_PostgreSQL_run_each_occurrence_once()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("jobs3");
        var time = new FakeTimeProvider(Start);
        var runs = new ConcurrentQueue<(string Host, DateTimeOffset Occurrence)>();
        JobDefinition JobFor(string host) => new("rollups", "*/10 * * * * *", async (ctx, ct) =>
        {
            runs.Enqueue((host, ctx.Occurrence));
            await Task.Delay(20, ct); // real work takes time: the other host meets the held lock
        });
        await using var storeA = new PostgresJobStore(connectionString);
        await using var storeB = new PostgresJobStore(connectionString);
        using var hostA = new JobScheduler(Options("a", JobFor("a")), storeA, time);
        using var hostB = new JobScheduler(Options("b", JobFor("b")), storeB, time);
        using var stop = new CancellationTokenSource();
        var loops = Task.WhenAll(hostA.RunAsync(stop.Token), hostB.RunAsync(stop.Token));

        for (var i = 1; i <= 5; i++)
        {
            var expected = Start.AddSeconds(10 * i);
            time.SetUtcNow(expected);
            await Eventually.HoldsAsync(async () => (await storeA.GetStateAsync("rollups"))?.LastOccurrence == expected, $"state of occurrence {i}");
        }

        await Task.Delay(200); // let a late loser reach its claim: it must be refused
        await stop.CancelAsync();
        await loops;
        var occurrences = runs.Select(r => r.Occurrence).ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 5).Select(i => Start.AddSeconds(10 * i)), occurrences.Order());
    }

    [Fact]
    public void A_slow_host_runs_only_the_latest_missed_occurrence()
    {
        var job = new JobDefinition("minutely", "* * * * *", (_, _) => ValueTask.CompletedTask);
        Assert.Equal(Start.AddMinutes(1), JobScheduler.NextToRun(job, Start, Start.AddSeconds(5)));
        Assert.Equal(Start.AddMinutes(4), JobScheduler.NextToRun(job, Start, Start.AddMinutes(4).AddSeconds(30)));
    }

    [Fact]
    public async Task The_host_registers_the_scheduler_and_validates_job_names_at_start()
    {
        static ValueTask Nothing(JobContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        var services = new ServiceCollection()
            .AddLogging()
            .AddCohortSqliteJobStore(_folder.File("di.db"))
            .AddCohortJobs(o => o.HostId = "di")
            .AddCohortJob(new JobDefinition("a", "0 * * * *", Nothing))
            .AddCohortJob(new JobDefinition("a", "5 * * * *", Nothing));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<SqliteJobStore>(provider.GetRequiredService<IJobStore>());
        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "JobSchedulerHostedService");
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<JobSchedulerOptions>>().Value);
        Assert.Contains("the name 'a' is used by an earlier job", error.Message, StringComparison.Ordinal);
    }
}
