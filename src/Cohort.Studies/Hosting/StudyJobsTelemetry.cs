using System.Diagnostics.Metrics;
using Cohort.Studies.Internal;
using Microsoft.Extensions.Logging;

namespace Cohort.Studies.Hosting;

/// <summary>What the built-in schedule jobs did, on meter <c>Cohort.Studies</c> (the scheduler meters runs and outcomes).</summary>
internal sealed class StudyJobsMetrics : IDisposable
{
    private readonly Meter _meter;

    public StudyJobsMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(StudiesMetrics.MeterName) ?? new Meter(StudiesMetrics.MeterName);
        MeasuresAggregated = _meter.CreateCounter<long>("cohort.studies.jobs.measures.aggregated", "{measure}", "Raw measures merged into aggregates by the built-in aggregation job.");
        TenantsPurged = _meter.CreateCounter<long>("cohort.studies.jobs.retention.tenants", "{tenant}", "Tenants whose raw points older than the retention were deleted by the built-in purge job.");
        RollupTenantsPurged = _meter.CreateCounter<long>("cohort.studies.jobs.retention.rollup_tenants", "{tenant}", "Tenants whose rollup buckets older than the retention were deleted by the built-in purge job.");
        MeasuresPurged = _meter.CreateCounter<long>("cohort.studies.jobs.retention.measures", "{measure}", "Raw measures removed by the built-in purge job.");
        ExportFilesPurged = _meter.CreateCounter<long>("cohort.studies.jobs.retention.export_files", "{file}", "Cached export files removed by the built-in purge job.");
        RollupsRefreshed = _meter.CreateCounter<long>("cohort.studies.jobs.rollups.refreshed", "{refresh}", "Rollup refreshes run by the built-in rollup-refresh job.");
        RollupsEnsured = _meter.CreateCounter<long>("cohort.studies.jobs.rollups.ensured", "{rollup}", "Manifest rollups (per tenant) ensured when the host started.");
        RowsExported = _meter.CreateCounter<long>("cohort.studies.jobs.exports.rows", "{row}", "Rows written by the built-in export job, by format.");
        RulesEvaluated = _meter.CreateCounter<long>("cohort.studies.jobs.rules.evaluated", "{rule}", "Rules evaluated by the built-in rules job.");
    }

    public Counter<long> MeasuresAggregated { get; }

    public Counter<long> TenantsPurged { get; }

    public Counter<long> RollupTenantsPurged { get; }

    public Counter<long> MeasuresPurged { get; }

    public Counter<long> ExportFilesPurged { get; }

    public Counter<long> RollupsRefreshed { get; }

    public Counter<long> RollupsEnsured { get; }

    public Counter<long> RowsExported { get; }

    public Counter<long> RulesEvaluated { get; }

    public void Dispose() => _meter.Dispose();
}

internal static partial class StudyJobsLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Schedule {Schedule}: aggregated {Count} raw measures.")]
    public static partial void Aggregated(ILogger logger, string schedule, long count);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Schedule {Schedule}: deleted raw points before {Cutoff:O} for {Tenants} tenants.")]
    public static partial void RawPointsPurged(ILogger logger, string schedule, DateTimeOffset cutoff, int tenants);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Schedule {Schedule}: purged {Count} raw measures of {Measure} ({Remaining} remain).")]
    public static partial void MeasuresPurged(ILogger logger, string schedule, string measure, long count, long remaining);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Schedule {Schedule}: raw measures of {Measure} not purged: {Reason}")]
    public static partial void MeasurePurgeSkipped(ILogger logger, string schedule, string measure, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Schedule {Schedule}: deleted {Count} cached export files of days before {Cutoff}.")]
    public static partial void ExportFilesPurged(ILogger logger, string schedule, int count, DateOnly cutoff);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Schedule {Schedule}: deleted rollup buckets ending at or before {Cutoff:O} for {Tenants} tenants.")]
    public static partial void RollupBucketsPurged(ILogger logger, string schedule, DateTimeOffset cutoff, int tenants);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "Schedule {Schedule}: retention.rollups skipped: no rollup manager is registered, so there are no rollups.")]
    public static partial void RollupRetentionSkipped(ILogger logger, string schedule);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Schedule {Schedule}: rollups refreshed ({Refresher}).")]
    public static partial void RollupsRefreshed(ILogger logger, string schedule, string refresher);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Schedule {Schedule}: exported {Day} ({Rows} rows, {FromCache} tenant-days from the cache, {FromStore} from the store) to {Path}.")]
    public static partial void Exported(ILogger logger, string schedule, DateOnly day, long rows, int fromCache, int fromStore, string path);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "Schedule {Schedule}: evaluated {Rules} rules; {Firings} firings.")]
    public static partial void RulesEvaluated(ILogger logger, string schedule, int rules, int firings);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Ensured {Count} manifest rollups on {Manager}.")]
    public static partial void RollupsEnsured(ILogger logger, int count, string manager);
}
