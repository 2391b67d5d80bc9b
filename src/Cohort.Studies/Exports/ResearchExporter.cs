using Cohort.Core;

namespace Cohort.Studies.Exports;

/// <summary>What an export did.</summary>
/// <param name="Rows">Rows written: one per field value (a CSV's header excluded).</param>
/// <param name="DaysFromCache">Tenant-days copied from the cache.</param>
/// <param name="DaysFromStore">Tenant-days read from the store (and cached when complete).</param>
public sealed record ExportResult(long Rows, int DaysFromCache, int DaysFromStore);

/// <summary>
/// Exports a time range × participants as CSV (<c>tenant,time,measurement,tags,field,value</c>; time ISO-8601 UTC
/// with 100 ns precision) or Parquet (the same rows as columns); rows by tenant, then day, then series and time. Each
/// whole UTC day that ended before
/// now minus <see cref="SettleTime"/> is cached per tenant in an <see cref="IExportCache"/>; a later export copies
/// those pieces and reads only the rest (the new tail, partial days) from the store. Late data for a cached day must
/// invalidate it: ingestion calls <see cref="InvalidateAsync"/> with the batch it wrote.
/// </summary>
public sealed class ResearchExporter
{
    private static readonly long NanosPerDay = TimeSpan.TicksPerDay * 100;
    private readonly IPointReader _reader;
    private readonly IExportCache _cache;
    private readonly TimeProvider _time;

    /// <summary>Creates an exporter.</summary>
    public ResearchExporter(IPointReader reader, IExportCache cache, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(cache);
        _reader = reader;
        _cache = cache;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long after a day ends it is considered complete and cacheable (default 1 hour).</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Writes the CSV export of <paramref name="range"/> for <paramref name="tenants"/> to <paramref name="output"/>.</summary>
    public Task<ExportResult> ExportCsvAsync(Stream output, IEnumerable<Tenant> tenants, TimeRange range, CancellationToken cancellationToken = default) =>
        ExportAsync(output, static output => new CsvExportFormat(output), tenants, range, cancellationToken);

    /// <summary>
    /// Writes the Parquet export of <paramref name="range"/> for <paramref name="tenants"/> to <paramref name="output"/>
    /// (the CSV's rows as columns, one row group per tenant-day; schema in docs/studies.md). The output need not seek
    /// and stays open.
    /// </summary>
    public Task<ExportResult> ExportParquetAsync(Stream output, IEnumerable<Tenant> tenants, TimeRange range, CancellationToken cancellationToken = default) =>
        ExportAsync(output, static output => new ParquetExportFormat(output), tenants, range, cancellationToken);

    /// <summary>Drops the cached days a batch written late touches (call it from ingestion after a write).</summary>
    public async ValueTask InvalidateAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var days = new HashSet<long>();
        foreach (var timestamp in batch.Timestamps)
        {
            days.Add(FloorDay(timestamp));
        }

        foreach (var day in days)
        {
            await _cache.InvalidateAsync(tenant.Id, DateOnly.FromDateTime(Timestamps.ToDateTimeOffset(day).UtcDateTime), cancellationToken).ConfigureAwait(false);
        }
    }

    private static void CheckRange(TimeRange range)
    {
        if (range.End - (double)range.Start > 100.0 * 366 * NanosPerDay)
        {
            throw new ArgumentOutOfRangeException(nameof(range), "An export covers at most 100 years: give the range's start and end.");
        }
    }

    private async Task<ExportResult> ExportAsync(Stream output, Func<Stream, ExportFormat> create, IEnumerable<Tenant> tenants, TimeRange range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tenants);
        CheckRange(range);
        var format = create(output);
        await format.BeginAsync(cancellationToken).ConfigureAwait(false);
        return await WalkAsync(format, tenants, range, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The day walk every format shares: per tenant, per UTC day of the range, a settled whole day comes from the cache
    /// when it is there; anything else is read from the store, rendered, appended and (when whole and settled) cached.
    /// </summary>
    private async Task<ExportResult> WalkAsync(ExportFormat format, IEnumerable<Tenant> tenants, TimeRange range, CancellationToken cancellationToken)
    {
        var settled = Timestamps.FromDateTimeOffset(_time.GetUtcNow() - SettleTime);
        long rows = 0;
        int cached = 0, fetched = 0;
        foreach (var tenant in tenants)
        {
            for (var dayStart = FloorDay(range.Start); dayStart < range.End; dayStart += NanosPerDay)
            {
                var dayEnd = dayStart + NanosPerDay;
                var slice = new TimeRange(Math.Max(dayStart, range.Start), Math.Min(dayEnd, range.End));
                var whole = slice.Start == dayStart && slice.End == dayEnd && dayEnd <= settled;
                var day = DateOnly.FromDateTime(Timestamps.ToDateTimeOffset(dayStart).UtcDateTime);
                if (whole && await _cache.TryOpenAsync(tenant.Id, day, format.Key, cancellationToken).ConfigureAwait(false) is { } file)
                {
                    await using (file.ConfigureAwait(false))
                    {
                        rows += await format.AppendCachedAsync(file, cancellationToken).ConfigureAwait(false);
                    }

                    cached++;
                    continue;
                }

                var (content, count) = await format.RenderAsync(tenant, _reader.ReadAsync(tenant, new PointQuery(slice), cancellationToken), cancellationToken).ConfigureAwait(false);
                await format.AppendAsync(content, cancellationToken).ConfigureAwait(false);
                rows += count;
                fetched++;
                if (whole)
                {
                    await _cache.WriteAsync(tenant.Id, day, format.Key, content, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await format.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new ExportResult(rows, cached, fetched);
    }

    private static long FloorDay(long timestamp)
    {
        var (quotient, remainder) = Math.DivRem(timestamp, NanosPerDay);
        return (remainder < 0 ? quotient - 1 : quotient) * NanosPerDay;
    }
}
