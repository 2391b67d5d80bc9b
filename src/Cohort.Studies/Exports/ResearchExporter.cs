using System.Globalization;
using System.Text;
using Cohort.Core;

namespace Cohort.Studies.Exports;

/// <summary>What an export did.</summary>
/// <param name="Rows">CSV rows written (header excluded).</param>
/// <param name="DaysFromCache">Tenant-days copied from the cache.</param>
/// <param name="DaysFromStore">Tenant-days read from the store (and cached when complete).</param>
public sealed record ExportResult(long Rows, int DaysFromCache, int DaysFromStore);

/// <summary>
/// Exports a time range × participants as CSV (<c>tenant,time,measurement,tags,field,value</c>; time ISO-8601 UTC
/// with 100 ns precision; rows by tenant, then day, then series and time). Each whole UTC day that ended before
/// now minus <see cref="SettleTime"/> is cached per tenant in an <see cref="IExportCache"/>; a later export copies
/// those files and reads only the rest (the new tail, partial days) from the store. Late data for a cached day must
/// invalidate it: ingestion calls <see cref="InvalidateAsync"/> with the batch it wrote.
/// </summary>
public sealed class ResearchExporter
{
    private const string Format = "csv";
    private const string Header = "tenant,time,measurement,tags,field,value\n";
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
    public async Task<ExportResult> ExportCsvAsync(Stream output, IEnumerable<Tenant> tenants, TimeRange range, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tenants);
        if (range.End - (double)range.Start > 100.0 * 366 * NanosPerDay)
        {
            throw new ArgumentOutOfRangeException(nameof(range), "An export covers at most 100 years: give the range's start and end.");
        }

        var header = Encoding.UTF8.GetBytes(Header);
        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
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
                if (whole && await _cache.TryOpenAsync(tenant.Id, day, Format, cancellationToken).ConfigureAwait(false) is { } file)
                {
                    await using (file.ConfigureAwait(false))
                    {
                        rows += await CopyCountingAsync(file, output, cancellationToken).ConfigureAwait(false);
                    }

                    cached++;
                    continue;
                }

                var (content, count) = await RenderAsync(tenant, slice, cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                rows += count;
                fetched++;
                if (whole)
                {
                    await _cache.WriteAsync(tenant.Id, day, Format, content, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new ExportResult(rows, cached, fetched);
    }

    /// <summary>Drops the cached days a batch written late touches (call it from ingestion after a write).</summary>
    public async ValueTask InvalidateAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var days = new HashSet<long>();
        foreach (var point in batch.ToPoints())
        {
            days.Add(FloorDay(point.Timestamp));
        }

        foreach (var day in days)
        {
            await _cache.InvalidateAsync(tenant.Id, DateOnly.FromDateTime(Timestamps.ToDateTimeOffset(day).UtcDateTime), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(ReadOnlyMemory<byte> Content, long Rows)> RenderAsync(Tenant tenant, TimeRange range, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        long rows = 0;
        await foreach (var point in _reader.ReadAsync(tenant, new PointQuery(range), cancellationToken).ConfigureAwait(false))
        {
            var time = Timestamps.ToDateTimeOffset(point.Timestamp).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            var tags = Csv(point.Tags.ToCanonicalString());
            foreach (var field in point.Fields)
            {
                text.Append(tenant.Id).Append(',').Append(time).Append(',').Append(Csv(point.Measurement)).Append(',').Append(tags).Append(',')
                    .Append(Csv(field.Key)).Append(',').Append(Value(field.Value)).Append('\n');
                rows++;
            }
        }

        return (Encoding.UTF8.GetBytes(text.ToString()), rows);
    }

    private static string Value(FieldValue value)
    {
        var text = value.ToString();
        return value.Kind switch
        {
            FieldKind.Int64 or FieldKind.UInt64 => text[..^1],
            FieldKind.String => Csv(text[1..^1]),
            _ => text,
        };
    }

    private static string Csv(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<long> CopyCountingAsync(Stream source, Stream output, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long lines = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return lines;
    }

    private static long FloorDay(long timestamp)
    {
        var (quotient, remainder) = Math.DivRem(timestamp, NanosPerDay);
        return (remainder < 0 ? quotient - 1 : quotient) * NanosPerDay;
    }
}
