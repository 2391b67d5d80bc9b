namespace Cohort.Studies.Jobs;

/// <summary>
/// Persists job state and decides which host runs an occurrence: <see cref="TryClaimAsync"/> returns a claim to one
/// caller only, and never for an occurrence already run. SQLite (one host) and PostgreSQL (advisory locks, several
/// hosts) ship; implement this for another database.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Claims <paramref name="occurrence"/> of a job for this host, or returns <see langword="null"/> when another
    /// host holds it or it has already run. The claim is held until it is completed or disposed.
    /// </summary>
    ValueTask<IJobClaim?> TryClaimAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken = default);

    /// <summary>The job's state, or <see langword="null"/> when it never ran.</summary>
    ValueTask<JobState?> GetStateAsync(string jobName, CancellationToken cancellationToken = default);

    /// <summary>Every job's state, ordered by name.</summary>
    ValueTask<IReadOnlyList<JobState>> ListStatesAsync(CancellationToken cancellationToken = default);
}

/// <summary>The right to run one occurrence of a job; disposing it without completing releases it for a retry.</summary>
public interface IJobClaim : IAsyncDisposable
{
    /// <summary>Records the run's state (the occurrence then counts as run) and releases the claim.</summary>
    ValueTask CompleteAsync(JobState state, CancellationToken cancellationToken = default);
}
