namespace Cohort.Studies.Jobs;

/// <summary>How a job's last run ended.</summary>
public enum JobOutcome
{
    /// <summary>The run succeeded (possibly after retries).</summary>
    Succeeded = 0,

    /// <summary>Every attempt failed; the error of the last one is recorded.</summary>
    Failed = 1,

    /// <summary>The host stopped while the job ran.</summary>
    Cancelled = 2,
}

/// <summary>A job's persisted state: its last run (occurrence, outcome, attempts, duration, error) and its next run.</summary>
/// <param name="JobName">The job's name.</param>
/// <param name="LastOccurrence">The scheduled instant of the last run.</param>
/// <param name="Outcome">How the last run ended.</param>
public sealed record JobState(string JobName, DateTimeOffset LastOccurrence, JobOutcome Outcome)
{
    /// <summary>When the last run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the last run finished (after its last attempt).</summary>
    public DateTimeOffset FinishedAt { get; init; }

    /// <summary>How long the last run took, retries and their waits included.</summary>
    public TimeSpan Duration => FinishedAt - StartedAt;

    /// <summary>How many attempts the last run made.</summary>
    public int Attempts { get; init; }

    /// <summary>The last attempt's error when the run failed.</summary>
    public string? Error { get; init; }

    /// <summary>The next scheduled occurrence after the last run, when there is one.</summary>
    public DateTimeOffset? NextOccurrence { get; init; }

    /// <summary>The host that ran it (<see cref="JobSchedulerOptions.HostId"/>).</summary>
    public string? Host { get; init; }
}
