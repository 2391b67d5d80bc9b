using System.Collections.Immutable;

namespace Cohort.Core.Portability.Internal;

/// <summary>
/// The counts a manifest records, gathered from points as they stream by: per series its points, time range and
/// values per field; per measurement its points and values. Memory grows with the number of series, not points.
/// </summary>
internal sealed class ArchiveStatistics
{
    private readonly Dictionary<SeriesKey, SeriesCounts> _series = [];
    private readonly Dictionary<string, (long Points, long Values)> _measurements = new(StringComparer.Ordinal);
    private SeriesKey? _lastSeries;
    private SeriesCounts? _lastCounts;

    public void Add(Point point)
    {
        // Points arrive grouped by series: look the series up only when it changes.
        var counts = ReferenceEquals(point.Series, _lastSeries) ? _lastCounts! : Counts(point.Series);
        (_lastSeries, _lastCounts) = (point.Series, counts);
        counts.AddPoint(point.Timestamp);
        foreach (var field in point.Fields)
        {
            counts.AddValue(field.Key, field.Value.Kind);
        }

        AddToMeasurement(point.Measurement, 1, point.Fields.Length);
    }

    public void Add(PointBatch batch)
    {
        var seriesIds = batch.SeriesIds;
        var fieldIds = batch.FieldIds;
        var kinds = batch.Kinds;
        var timestamps = batch.Timestamps;
        SeriesCounts? counts = null;
        for (var row = 0; row < batch.ValueCount; row++)
        {
            var series = batch.GetSeries(seriesIds[row]);
            if (batch.StartsPoint(row))
            {
                counts = Counts(series);
                counts.AddPoint(timestamps[row]);
                AddToMeasurement(series.Measurement, 1, 0);
            }

            counts!.AddValue(batch.GetFieldKey(fieldIds[row]), kinds[row]);
            AddToMeasurement(series.Measurement, 0, 1);
        }
    }

    /// <summary>The measurements' counts: (points, values), or zeros for a measurement never seen.</summary>
    public (long Points, long Values) Measurement(string name) =>
        _measurements.TryGetValue(name, out var counts) ? counts : default;

    /// <summary>Every series, in store order, with its fields ordered by key then type.</summary>
    public ImmutableArray<ArchiveSeries> ToSeries() =>
    [
        .. _series
            .OrderBy(pair => pair.Key, SeriesKey.StoreOrder)
            .Select(pair => new ArchiveSeries(pair.Key, pair.Value.Fields(), pair.Value.Points, pair.Value.First, pair.Value.Last)),
    ];

    /// <summary>
    /// The first way the manifest's series differ from the ones counted, as (JSON path, reason), or null when they
    /// agree.
    /// </summary>
    public (string Path, string Reason)? FindDifference(ImmutableArray<ArchiveSeries> manifest)
    {
        var counted = ToSeries();
        var byKey = counted.ToDictionary(s => s.Series);
        for (var i = 0; i < manifest.Length; i++)
        {
            var listed = manifest[i];
            var path = FormattableString.Invariant($"$.series[{i}]");
            if (!byKey.Remove(listed.Series, out var actual))
            {
                return (path, $"series {listed.Series} is listed but has no points in the data");
            }

            if (listed.PointCount != actual.PointCount)
            {
                return (path + ".points", FormattableString.Invariant($"series {listed.Series} is listed with {listed.PointCount} points; the data holds {actual.PointCount}"));
            }

            if (listed.FirstTimestamp != actual.FirstTimestamp || listed.LastTimestamp != actual.LastTimestamp)
            {
                return (path, FormattableString.Invariant($"series {listed.Series} is listed from {listed.FirstTimestamp} to {listed.LastTimestamp}; the data runs from {actual.FirstTimestamp} to {actual.LastTimestamp}"));
            }

            var fields = actual.Fields.ToDictionary(f => (f.Key, f.Kind), f => f.ValueCount);
            for (var k = 0; k < listed.Fields.Length; k++)
            {
                var field = listed.Fields[k];
                var fieldPath = FormattableString.Invariant($"{path}.fields[{k}]");
                if (!fields.Remove((field.Key, field.Kind), out var count))
                {
                    return (fieldPath, $"field '{field.Key}' ({ManifestJson.TypeName(field.Kind)}) of series {listed.Series} is listed but has no values in the data");
                }

                if (count != field.ValueCount)
                {
                    return (fieldPath + ".values", FormattableString.Invariant($"field '{field.Key}' of series {listed.Series} is listed with {field.ValueCount} values; the data holds {count}"));
                }
            }

            if (fields.Count > 0)
            {
                var (key, kind) = fields.Keys.First();
                return (path + ".fields", $"field '{key}' ({ManifestJson.TypeName(kind)}) of series {listed.Series} is in the data but not listed");
            }
        }

        return byKey.Count > 0 ? ("$.series", $"series {byKey.Keys.OrderBy(k => k, SeriesKey.StoreOrder).First()} is in the data but not listed") : null;
    }

    private SeriesCounts Counts(SeriesKey series)
    {
        if (!_series.TryGetValue(series, out var counts))
        {
            counts = _series[series] = new SeriesCounts();
        }

        return counts;
    }

    private void AddToMeasurement(string measurement, long points, long values)
    {
        var (p, v) = Measurement(measurement);
        _measurements[measurement] = (p + points, v + values);
    }

    private sealed class SeriesCounts
    {
        private readonly Dictionary<(string Key, FieldKind Kind), long> _fields = [];

        public long Points { get; private set; }

        public long First { get; private set; } = long.MaxValue;

        public long Last { get; private set; } = long.MinValue;

        public void AddPoint(long timestamp)
        {
            Points++;
            First = Math.Min(First, timestamp);
            Last = Math.Max(Last, timestamp);
        }

        public void AddValue(string key, FieldKind kind)
        {
            _fields.TryGetValue((key, kind), out var count);
            _fields[(key, kind)] = count + 1;
        }

        public ImmutableArray<ArchiveField> Fields() =>
        [
            .. _fields
                .OrderBy(pair => pair.Key.Key, StringComparer.Ordinal)
                .ThenBy(pair => pair.Key.Kind)
                .Select(pair => new ArchiveField(pair.Key.Key, pair.Key.Kind, pair.Value)),
        ];
    }
}
