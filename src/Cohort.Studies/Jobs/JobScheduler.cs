using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cohort.Studies.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Studies.Jobs;

/// <summary>
/// Runs recurring jobs at their cron occurrences. Each occurrence is claimed through the <see cref="IJobStore"/>
/// first, so when several hosts share a store (PostgreSQL advisory locks) it runs on one host only; a failed attempt
/// is retried with exponential backoff, and the outcome, attempts and duration are persisted, logged and counted
/// (meter <c>Cohort.Studies</c>). When occurrences pass while a run is still going (or the host is slow), only
/// the latest of them runs, once; occurrences from before the scheduler started are not caught up. Thread-safe.
/// </summary>
public sealed class JobScheduler : IDisposable
{
    /// <summary>The longest single wait for an occurrence; longer waits are taken in slices.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly FrozenDictionary<string, JobDefinition> _jobs;
    private readonly IJobStore _store;
    private readonly string _hostId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StudiesMetrics _metrics;

    /// <summary>Creates a scheduler.</summary>
    /// <exception cref="ArgumentException">The options are invalid (duplicate names, bad retry settings).</exception>
    public JobScheduler(
        JobSchedulerOptions options,
        IJobStore store,
        TimeProvider? timeProvider = null,
        ILogger<JobScheduler>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid job scheduler options: " + string.Join(" ", problems), nameof(options));
        }

        _jobs = options.Jobs.ToFrozenDictionary(j => j.Name, StringComparer.Ordinal);
        Jobs = [.. options.Jobs];
        _store = store;
        _hostId = options.HostId;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = new StudiesMetrics(meterFactory);
    }

    /// <summary>The scheduled jobs.</summary>
    public IReadOnlyList<JobDefinition> Jobs { get; }

    /// <summary>The store holding the jobs' state.</summary>
    public IJobStore Store => _store;

    /// <summary>
    /// Runs every job at its occurrences until <paramref name="cancellationToken"/> is cancelled (the hosted service
    /// calls this). The first occurrence of each job is the first one after the call.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var loops = Jobs.Select(job => RunJobLoopAsync(job, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Runs one occurrence of a job now, if this host can claim it: returns the recorded state, or
    /// <see langword="null"/> when another host holds the occurrence or it already ran. A job that throws is retried
    /// with backoff; when every attempt fails the state says <see cref="JobOutcome.Failed"/> (this method does not throw).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No job has this name.</exception>
    public async Task<JobState?> RunOccurrenceAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken = default)
    {
        if (!_jobs.TryGetValue(jobName, out var job))
        {
            throw new KeyNotFoundException($"No job is named '{jobName}'.");
        }

        var tags = new TagList { { "job", job.Name } };
        var claim = await _store.TryClaimAsync(job.Name, occurrence, cancellationToken).ConfigureAwait(false);
        if (claim is null)
        {
            _metrics.JobSkipped.Add(1, tags);
            Log.JobSkipped(_logger, job.Name, occurrence);
            return null;
        }

        await using (claim.ConfigureAwait(false))
        {
            var started = _time.GetUtcNow();
            var timer = _time.GetTimestamp();
            var (attempts, error) = await RunWithRetriesAsync(job, occurrence, cancellationToken).ConfigureAwait(false);
            var duration = _time.GetElapsedTime(timer);
            var outcome = error is null ? JobOutcome.Succeeded : JobOutcome.Failed;
            var finished = _time.GetUtcNow();
            var state = new JobState(job.Name, occurrence, outcome)
            {
                StartedAt = started,
                FinishedAt = finished,
                Attempts = attempts,
                Error = error?.Message,
                NextOccurrence = job.GetNextOccurrence(finished > occurrence ? finished : occurrence),
                Host = _hostId,
            };
            await claim.CompleteAsync(state, cancellationToken).ConfigureAwait(false);

            tags.Add("outcome", outcome == JobOutcome.Succeeded ? "succeeded" : "failed");
            _metrics.JobRuns.Add(1, tags);
            _metrics.JobDuration.Record(duration.TotalSeconds, tags);
            if (error is null)
            {
                Log.JobSucceeded(_logger, job.Name, occurrence, duration, attempts);
            }
            else
            {
                Log.JobFailed(_logger, error, job.Name, occurrence, attempts);
            }

            return state;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _metrics.Dispose();

    private async Task<(int Attempts, Exception? Error)> RunWithRetriesAsync(JobDefinition job, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await job.Run(new JobContext(job.Name, occurrence, attempt), cancellationToken).ConfigureAwait(false);
                return (attempt, null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= job.MaxAttempts)
                {
                    return (attempt, e);
                }

                var delay = job.GetRetryDelay(attempt + 1);
                _metrics.JobRetries.Add(1, new KeyValuePair<string, object?>("job", job.Name));
                Log.JobRetrying(_logger, e, job.Name, attempt, job.MaxAttempts, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunJobLoopAsync(JobDefinition job, CancellationToken cancellationToken)
    {
        var after = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (NextToRun(job, after, _time.GetUtcNow()) is not { } next)
            {
                return; // the expression has no further occurrence
            }

            // In slices: Task.Delay refuses waits over ~49.7 days, and a yearly job waits longer.
            for (var wait = next - _time.GetUtcNow(); wait > TimeSpan.Zero; wait = next - _time.GetUtcNow())
            {
                await Task.Delay(wait < MaxWait ? wait : MaxWait, _time, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await RunOccurrenceAsync(job.Name, next, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.JobStoreFailed(_logger, e, job.Name, next);
            }

            after = next;
        }
    }

    /// <summary>
    /// The occurrence to run next: the first after <paramref name="after"/>, or, when several have passed already
    /// (a run longer than the period, a slow host), the latest of those, once: missed occurrences are not queued.
    /// </summary>
    internal static DateTimeOffset? NextToRun(JobDefinition job, DateTimeOffset after, DateTimeOffset now)
    {
        var next = job.GetNextOccurrence(after);
        for (var i = 0; i < 100_000 && next is { } current && current < now; i++)
        {
            var following = job.GetNextOccurrence(current);
            if (following is null || following > now)
            {
                break;
            }

            next = following;
        }

        return next;
    }
}
