using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Studies.Exports;
using Cohort.Studies.Internal;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cohort.Studies.Hosting;

/// <summary>
/// The built-in handlers of the manifest's schedule kinds, used when the host registered no keyed handler of the kind:
/// <c>aggregation</c>, <c>purge</c>, <c>rollup-refresh</c>, <c>export</c> and <c>rules</c> (<c>user</c> has none).
/// Services are resolved when a job runs, so a missing one fails that job with a message naming the schedule.
/// </summary>
internal sealed class StudyJobs
{
    /// <summary>The export formats, by name; each writes a time range × tenants to a stream through <see cref="ResearchExporter"/>.</summary>
    internal static readonly FrozenDictionary<string, Func<ResearchExporter, Stream, IEnumerable<Tenant>, TimeRange, CancellationToken, Task<ExportResult>>> ExportFormats =
        new Dictionary<string, Func<ResearchExporter, Stream, IEnumerable<Tenant>, TimeRange, CancellationToken, Task<ExportResult>>>(StringComparer.Ordinal)
        {
            ["csv"] = static (exporter, output, tenants, range, ct) => exporter.ExportCsvAsync(output, tenants, range, ct),
            ["parquet"] = static (exporter, output, tenants, range, ct) => exporter.ExportParquetAsync(output, tenants, range, ct),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly StudyManifest _manifest;
    private readonly IServiceProvider _provider;
    private readonly StudyHostOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StudyJobsMetrics _metrics;
    private readonly Tenant[] _tenants;
    private readonly Lazy<ResearchExporter> _exporter;

    public StudyJobs(StudyManifest manifest, IServiceProvider provider, IOptions<StudyHostOptions> options, TimeProvider? time, ILogger<StudyJobs>? logger, StudyJobsMetrics metrics)
    {
        _manifest = manifest;
        _provider = provider;
        _options = options.Value;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = metrics;
        _tenants = [.. manifest.Tenants.Select(t => new Tenant(t.Id))];
        _exporter = new Lazy<ResearchExporter>(() => new ResearchExporter(
            _provider.GetService<IPointReader>() ?? throw new InvalidOperationException("The export job needs an IPointReader (a store); register one."),
            new FolderExportCache(CacheFolder),
            _time));
    }

    /// <summary>The export job's output folder, absolute.</summary>
    public string ExportFolder => Path.GetFullPath(_options.ExportFolder);

    /// <summary>The export cache's folder, inside <see cref="ExportFolder"/>.</summary>
    public string CacheFolder => Path.Combine(ExportFolder, "cache");

    /// <summary>The export job's exporter (over the host's <see cref="IPointReader"/> and <see cref="CacheFolder"/>), created on first use.</summary>
    public ResearchExporter Exporter => _exporter.Value;

    /// <summary>The built-in handler of a schedule, or <see langword="null"/> when the kind has none (<c>user</c>).</summary>
    public Func<JobContext, CancellationToken, ValueTask>? BuiltIn(ManifestSchedule schedule) => schedule.Job switch
    {
        "aggregation" => (context, _) => AggregateAsync(schedule),
        "purge" => (context, ct) => PurgeAsync(schedule, ct),
        "rollup-refresh" => (context, ct) => RefreshRollupsAsync(schedule, ct),
        "export" => (context, ct) => ExportAsync(schedule, ct),
        "rules" => (context, ct) => EvaluateRulesAsync(schedule, ct),
        _ => null,
    };

    /// <summary>Merges the pending raw measures into their aggregates (Cohort.Aggregation).</summary>
    private ValueTask AggregateAsync(ManifestSchedule schedule)
    {
        var merged = _provider.GetRequiredService<MeasureAggregator>().Aggregate();
        _metrics.MeasuresAggregated.Add(merged, new KeyValuePair<string, object?>("job", schedule.Name));
        StudyJobsLog.Aggregated(_logger, schedule.Name, merged);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Applies the manifest's retention: raw points before now minus <c>retention.raw</c> deleted per tenant through the
    /// store's <see cref="IPointDeleter"/>; then rollup buckets ending at or before now minus <c>retention.rollups</c>
    /// deleted per tenant through the <see cref="IRollupBucketDeleter"/> (the rollup manager); raw measures purged per
    /// their definitions' own retention; cached export files of days before now minus <c>retention.exports</c> deleted. Each part runs even when another fails; the failures
    /// are thrown together at the end (every part is idempotent, so a retry is safe).
    /// </summary>
    private async ValueTask PurgeAsync(ManifestSchedule schedule, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var retention = _manifest.Retention;
        var tags = new TagList { { "job", schedule.Name } };
        var errors = new List<Exception>();
        if (retention?.Raw is { } raw)
        {
            try
            {
                var deleter = FindDeleter() ?? throw new InvalidOperationException(
                    $"Schedule '{schedule.Name}' (purge): retention.raw is '{raw}' but the registered store does not implement IPointDeleter; register one (or a store that implements it).");
                var cutoff = now - Durations.Parse(raw);
                foreach (var tenant in _tenants)
                {
                    await deleter.DeleteBeforeAsync(tenant, Timestamps.FromDateTimeOffset(cutoff), cancellationToken).ConfigureAwait(false);
                    _metrics.TenantsPurged.Add(1, tags);
                }

                StudyJobsLog.RawPointsPurged(_logger, schedule.Name, cutoff, _tenants.Length);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Add(e);
            }
        }

        if (retention?.Rollups is { } rollups)
        {
            try
            {
                await PurgeRollupsAsync(schedule, now - Durations.Parse(rollups), rollups, tags, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Add(e);
            }
        }

        try
        {
            var aggregator = _provider.GetRequiredService<MeasureAggregator>();
            foreach (var definition in aggregator.Definitions)
            {
                var result = aggregator.Purge(definition.Name);
                if (result.SkippedReason is { } reason)
                {
                    StudyJobsLog.MeasurePurgeSkipped(_logger, schedule.Name, definition.Name, reason);
                }
                else
                {
                    _metrics.MeasuresPurged.Add(result.Purged, tags);
                    StudyJobsLog.MeasuresPurged(_logger, schedule.Name, definition.Name, result.Purged, result.Remaining);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            errors.Add(e);
        }

        if (retention?.Exports is { } exports)
        {
            try
            {
                var cutoff = DateOnly.FromDateTime((now - Durations.Parse(exports)).UtcDateTime);
                var deleted = PurgeExportCache(cutoff);
                _metrics.ExportFilesPurged.Add(deleted, tags);
                StudyJobsLog.ExportFilesPurged(_logger, schedule.Name, deleted, cutoff);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(e);
            }
        }

        switch (errors.Count)
        {
            case 1:
                throw errors[0];
            case > 1:
                throw new AggregateException($"Schedule '{schedule.Name}' (purge): {errors.Count} parts failed.", errors);
        }
    }

    /// <summary>
    /// Deletes every tenant's rollup buckets ending at or before <paramref name="cutoff"/> through the registered
    /// <see cref="IRollupBucketDeleter"/> (or the rollup manager, when it is one). Without a rollup manager there are no
    /// rollups to delete; one that cannot delete old buckets fails the part, naming the schedule.
    /// </summary>
    private async ValueTask PurgeRollupsAsync(ManifestSchedule schedule, DateTimeOffset cutoff, string retention, TagList tags, CancellationToken cancellationToken)
    {
        var manager = _provider.GetService<IRollupManager>();
        var deleter = _provider.GetService<IRollupBucketDeleter>() ?? manager as IRollupBucketDeleter;
        if (deleter is null)
        {
            if (manager is null)
            {
                StudyJobsLog.RollupRetentionSkipped(_logger, schedule.Name);
                return;
            }

            throw new InvalidOperationException(
                $"Schedule '{schedule.Name}' (purge): retention.rollups is '{retention}' but the registered rollup manager ({manager.GetType().Name}) cannot delete old buckets; register an IRollupBucketDeleter (or a rollup manager that implements it).");
        }

        foreach (var tenant in _tenants)
        {
            await deleter.DeleteBucketsBeforeAsync(tenant, Timestamps.FromDateTimeOffset(cutoff), cancellationToken).ConfigureAwait(false);
            _metrics.RollupTenantsPurged.Add(1, tags);
        }

        StudyJobsLog.RollupBucketsPurged(_logger, schedule.Name, cutoff, _tenants.Length);
    }

    /// <summary>Deletes the cache files (<c>&lt;tenant&gt;/&lt;yyyy-MM-dd&gt;.&lt;format&gt;</c>) of days before <paramref name="cutoff"/>.</summary>
    private int PurgeExportCache(DateOnly cutoff)
    {
        if (!Directory.Exists(CacheFolder))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(CacheFolder, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (name.Length >= 10
                && DateOnly.TryParseExact(name.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                && day < cutoff)
            {
                File.Delete(file);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The store's deleter; wrapped so in-process rollups keep the purged points when they are the rollup manager.</summary>
    private IPointDeleter? FindDeleter()
    {
        var deleter = _provider.GetService<IPointDeleter>()
            ?? _provider.GetService<IPointWriter>() as IPointDeleter
            ?? _provider.GetService<IPointReader>() as IPointDeleter;
        return deleter is not null && _provider.GetService<IRollupManager>() is InProcessRollupEngine engine
            ? new RollupPreservingPointDeleter(deleter, engine)
            : deleter;
    }

    /// <summary>Refreshes the rollups through the registered <see cref="IRollupRefresher"/> (or the rollup manager, when it is one).</summary>
    private async ValueTask RefreshRollupsAsync(ManifestSchedule schedule, CancellationToken cancellationToken)
    {
        var refresher = _provider.GetService<IRollupRefresher>()
            ?? _provider.GetService<IRollupManager>() as IRollupRefresher
            ?? throw new InvalidOperationException(
                $"Schedule '{schedule.Name}' (rollup-refresh): the registered rollup manager ({_provider.GetService<IRollupManager>()?.GetType().Name ?? "none"}) cannot refresh; register an IRollupRefresher.");
        await refresher.RefreshAllAsync(cancellationToken).ConfigureAwait(false);
        _metrics.RollupsRefreshed.Add(1, new KeyValuePair<string, object?>("job", schedule.Name));
        StudyJobsLog.RollupsRefreshed(_logger, schedule.Name, refresher.GetType().Name);
    }

    /// <summary>
    /// Exports each of the last <see cref="StudyHostOptions.ExportDays"/> completed UTC days for every manifest tenant
    /// into <c>&lt;ExportFolder&gt;/&lt;yyyy-MM-dd&gt;.&lt;format&gt;</c> (written to a temporary file, then renamed).
    /// </summary>
    private async ValueTask ExportAsync(ManifestSchedule schedule, CancellationToken cancellationToken)
    {
        var format = _options.ExportFormat;
        var export = ExportFormats[format];
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        Directory.CreateDirectory(ExportFolder);
        for (var back = _options.ExportDays; back >= 1; back--)
        {
            var day = today.AddDays(-back);
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var path = Path.Combine(ExportFolder, day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "." + format);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            ExportResult result;
            try
            {
                var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    result = await export(Exporter, output, _tenants, TimeRange.Between(start, start.AddDays(1)), cancellationToken).ConfigureAwait(false);
                }

                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }

            _metrics.RowsExported.Add(result.Rows, new TagList { { "job", schedule.Name }, { "format", format } });
            StudyJobsLog.Exported(_logger, schedule.Name, day, result.Rows, result.DaysFromCache, result.DaysFromStore, path);
        }
    }

    /// <summary>Evaluates every manifest rule now for the tenants in its scope.</summary>
    private async ValueTask EvaluateRulesAsync(ManifestSchedule schedule, CancellationToken cancellationToken)
    {
        if (_manifest.Rules.Count == 0)
        {
            StudyJobsLog.RulesEvaluated(_logger, schedule.Name, 0, 0);
            return;
        }

        var engine = _provider.GetRequiredService<RuleEngine>();
        var firings = 0;
        foreach (var rule in engine.Rules)
        {
            firings += (await engine.EvaluateAsync(rule.Name, _tenants, cancellationToken).ConfigureAwait(false)).Count;
            _metrics.RulesEvaluated.Add(1, new KeyValuePair<string, object?>("job", schedule.Name));
        }

        StudyJobsLog.RulesEvaluated(_logger, schedule.Name, engine.Rules.Count, firings);
    }
}
