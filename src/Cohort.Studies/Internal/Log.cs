using Microsoft.Extensions.Logging;

namespace Cohort.Studies.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Job {Job} occurrence {Occurrence:O} is claimed by another host or already ran.")]
    public static partial void JobSkipped(ILogger logger, string job, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Job {Job} attempt {Attempt} of {MaxAttempts} failed; retrying in {Delay}.")]
    public static partial void JobRetrying(ILogger logger, Exception exception, string job, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Job {Job} occurrence {Occurrence:O} failed after {Attempts} attempts.")]
    public static partial void JobFailed(ILogger logger, Exception exception, string job, DateTimeOffset occurrence, int attempts);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Job {Job} occurrence {Occurrence:O} succeeded in {Duration} ({Attempts} attempts).")]
    public static partial void JobSucceeded(ILogger logger, string job, DateTimeOffset occurrence, TimeSpan duration, int attempts);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Job {Job}: the job store failed; the occurrence {Occurrence:O} is not run.")]
    public static partial void JobStoreFailed(ILogger logger, Exception exception, string job, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Rule {Rule} fired for tenant {Tenant} (value {Value}).")]
    public static partial void RuleFired(ILogger logger, string rule, string tenant, double value);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Rule {Rule}: notifying tenant {Tenant} failed.")]
    public static partial void NotifyFailed(ILogger logger, Exception exception, string rule, string tenant);
}
