using Cronos;

namespace Cohort.Studies.Jobs;

/// <summary>
/// A recurring job: a unique name, a cron expression evaluated in a time zone, what to run, and how to retry a failed
/// run. The expression and zone are checked here, so a bad schedule fails at registration, never at run time.
/// </summary>
public sealed record JobDefinition
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    /// <summary>Creates a job.</summary>
    /// <param name="name">A unique name (it keys the job's persisted state and its lock).</param>
    /// <param name="cron">
    /// A cron expression: five fields (minute hour day-of-month month day-of-week), or six with seconds first.
    /// </param>
    /// <param name="run">The work; it throws to report a failure (which is retried).</param>
    /// <param name="timeZone">An IANA time zone id (<c>Europe/Zurich</c>); <c>UTC</c> when omitted.</param>
    /// <exception cref="ArgumentException">The name is empty, or the expression or time zone is invalid.</exception>
    public JobDefinition(string name, string cron, Func<JobContext, CancellationToken, ValueTask> run, string timeZone = "UTC")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        Name = name;
        Cron = cron;
        TimeZone = timeZone;
        Run = run;
        _expression = ParseCron(cron, out var error) ?? throw new ArgumentException($"Job '{name}': {error}", nameof(cron));
        _zone = FindTimeZone(timeZone, out error) ?? throw new ArgumentException($"Job '{name}': {error}", nameof(timeZone));
    }

    /// <summary>The job's unique name.</summary>
    public string Name { get; }

    /// <summary>The cron expression.</summary>
    public string Cron { get; }

    /// <summary>The IANA time zone the expression is evaluated in (daylight-saving changes handled by Cronos).</summary>
    public string TimeZone { get; }

    /// <summary>The work to run for each occurrence.</summary>
    public Func<JobContext, CancellationToken, ValueTask> Run { get; }

    /// <summary>How many times one occurrence is tried before it is recorded as failed (default 3).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait before the first retry; it doubles for each further one (default 30 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two attempts (default 10 min).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or <see langword="null"/> if there is none.</summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => _expression.GetNextOccurrence(after, _zone, inclusive: false);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more): the retry delay doubled per attempt, capped.</summary>
    public TimeSpan GetRetryDelay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 2);
        var factor = Math.Pow(2, Math.Min(attempt - 2, 30));
        var ticks = Math.Min(RetryDelay.Ticks * factor, MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Parses a cron expression of five fields (or six, seconds first); <see langword="null"/> with a reason when invalid.</summary>
    internal static CronExpression? ParseCron(string? cron, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(cron))
        {
            error = "the cron expression is empty.";
            return null;
        }

        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            return CronExpression.Parse(cron, format);
        }
        catch (CronFormatException e)
        {
            error = $"invalid cron expression '{cron}': {e.Message}";
            return null;
        }
    }

    /// <summary>Finds a time zone by IANA id; <see langword="null"/> with a reason when unknown.</summary>
    internal static TimeZoneInfo? FindTimeZone(string? id, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(id) || string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"unknown time zone '{id}'.";
            return null;
        }
    }
}

/// <summary>What a running job is told: which job, which scheduled occurrence, and which attempt this is.</summary>
/// <param name="JobName">The job's name.</param>
/// <param name="Occurrence">The scheduled instant this run is for.</param>
/// <param name="Attempt">1 for the first try, 2 for the first retry, and so on.</param>
public readonly record struct JobContext(string JobName, DateTimeOffset Occurrence, int Attempt);
