using Microsoft.Extensions.Logging;

namespace Cohort.Studies.Internal;

/// <summary>The log lines of on-arrival rule evaluation and the study point writer (event ids 60 to 69).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 60, Level = LogLevel.Error, Message = "Rule {Rule}: evaluating on arrival for tenant {Tenant} failed.")]
    public static partial void ArrivalEvaluationFailed(ILogger logger, Exception exception, string rule, string tenant);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Rule {Rule}: the on-arrival queue is full ({Capacity}); the evaluation for tenant {Tenant} is dropped.")]
    public static partial void ArrivalDropped(ILogger logger, string rule, string tenant, int capacity);

    [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "Rule {Rule}: its formula does not bind for tenant {Tenant}; writes do not trigger it.")]
    public static partial void ArrivalRuleUnbound(ILogger logger, Exception exception, string rule, string tenant);

    [LoggerMessage(EventId = 63, Level = LogLevel.Error, Message = "Tenant {Tenant}: triggering on-arrival rules after a write failed; the write itself succeeded.")]
    public static partial void ArrivalTriggerFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(EventId = 64, Level = LogLevel.Error, Message = "Tenant {Tenant}: invalidating the export cache after a late write failed; the write itself succeeded.")]
    public static partial void ExportInvalidationFailed(ILogger logger, Exception exception, string tenant);
}
