using System.Globalization;
using Cohort.Core;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Processing;

/// <summary>
/// Rejects points that lack a required tag, have a field value out of its range, or a timestamp too far in the
/// future or past (by <see cref="TimeProvider"/>). A rejected point goes whole; the other points stay.
/// </summary>
internal sealed class ValidationProcessor : IPointProcessor
{
    private readonly ValidationOptions _options;
    private readonly TimeProvider _timeProvider;

    public ValidationProcessor(IOptions<IngestionOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value.Validation;
        _timeProvider = timeProvider;
    }

    public bool IsActive => _options.RequiredTags.Count > 0 || _options.FieldRanges.Count > 0 || _options.MaxFutureSkew is not null || _options.MaxAge is not null;

    public ValueTask ProcessAsync(ProcessingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var batch = context.Batch;
        if (batch.IsEmpty || !IsActive)
        {
            return ValueTask.CompletedTask;
        }

        var now = _timeProvider.GetUtcNow();
        var latest = _options.MaxFutureSkew is { } skew ? Timestamps.FromDateTimeOffset(now + skew) : long.MaxValue;
        var earliest = _options.MaxAge is { } age ? Timestamps.FromDateTimeOffset(now - age) : long.MinValue;
        var seriesProblems = new string?[batch.SeriesCount];
        var seriesChecked = new bool[batch.SeriesCount];
        bool[]? drop = null;
        var ranges = PointText.PointRanges(batch);
        for (var index = 0; index < ranges.Count; index++)
        {
            var (start, end) = ranges[index];
            var seriesId = batch.SeriesIds[start];
            if (!seriesChecked[seriesId])
            {
                seriesChecked[seriesId] = true;
                seriesProblems[seriesId] = MissingTag(batch.GetSeries(seriesId));
            }

            string? field = null;
            var reason = seriesProblems[seriesId];
            var timestamp = batch.Timestamps[start];
            if (reason is null && (timestamp > latest || timestamp < earliest))
            {
                field = "timestamp";
                reason = timestamp > latest
                    ? $"The timestamp {Timestamps.ToDateTimeOffset(timestamp):O} is more than {_options.MaxFutureSkew} in the future."
                    : $"The timestamp {Timestamps.ToDateTimeOffset(timestamp):O} is older than {_options.MaxAge}.";
            }

            for (var row = start; reason is null && row < end && _options.FieldRanges.Count > 0; row++)
            {
                var key = batch.GetFieldKey(batch.FieldIds[row]);
                var measurement = batch.GetSeries(seriesId).Measurement;
                if (!_options.FieldRanges.TryGetValue(measurement + "." + key, out var range) && !_options.FieldRanges.TryGetValue("*." + key, out range))
                {
                    continue;
                }

                var value = batch.GetValue(row);
                if (!value.TryGetNumber(out var number) || value.Kind == FieldKind.Boolean)
                {
                    field = key;
                    reason = $"The field '{key}' must be a number in {Describe(range)}, not {value}.";
                }
                else if (!range.Contains(number))
                {
                    field = key;
                    reason = $"The field '{key}' = {number.ToString(CultureInfo.InvariantCulture)} is outside {Describe(range)}.";
                }
            }

            if (reason is not null)
            {
                drop ??= new bool[batch.ValueCount];
                drop.AsSpan(start, end - start).Fill(true);
                context.Reject(new Rejection(reason) { Field = field, Index = index, Record = PointText.Format(batch, start, end) });
            }
        }

        if (drop is not null)
        {
            context.Batch = batch.Where((_, row) => !drop[row]);
        }

        return ValueTask.CompletedTask;
    }

    private string? MissingTag(SeriesKey series)
    {
        foreach (var key in new[] { series.Measurement, "*" })
        {
            if (_options.RequiredTags.TryGetValue(key, out var tags))
            {
                foreach (var tag in tags)
                {
                    if (series.Tags[tag] is null)
                    {
                        return $"The measurement '{series.Measurement}' requires the tag '{tag}'.";
                    }
                }
            }
        }

        return null;
    }

    private static string Describe(ValueRange range) =>
        $"[{range.Min?.ToString(CultureInfo.InvariantCulture) ?? "-inf"}, {range.Max?.ToString(CultureInfo.InvariantCulture) ?? "+inf"}]";
}
