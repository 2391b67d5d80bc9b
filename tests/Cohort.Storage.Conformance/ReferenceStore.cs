using Cohort.Core;

namespace Cohort.Storage.Conformance;

/// <summary>
/// The store contract as a few lines of in-memory code, for one tenant: what every store must write, reject and read
/// back. The suite compares real stores with it.
/// </summary>
public sealed class ReferenceStore
{
    private readonly Dictionary<(string Measurement, string Field), FieldKind> _kinds = [];
    private readonly Dictionary<(SeriesKey Series, long Time), SortedDictionary<string, FieldValue>> _points = [];

    /// <summary>Applies a batch as a store must: returns the values written and the rows rejected, with their field.</summary>
    public WriteResult Write(PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rejections = new List<Rejection>();
        var written = 0;
        for (var row = 0; row < batch.ValueCount; row++)
        {
            var series = batch.GetSeries(batch.SeriesIds[row]);
            var field = batch.GetFieldKey(batch.FieldIds[row]);
            var value = batch.GetValue(row);
            if (value.Kind == FieldKind.Double && !double.IsFinite(value.AsDouble()))
            {
                rejections.Add(new Rejection("not finite") { Index = row, Field = field });
                continue;
            }

            if (_kinds.TryGetValue((series.Measurement, field), out var kind) && kind != value.Kind)
            {
                rejections.Add(new Rejection("type conflict") { Index = row, Field = field });
                continue;
            }

            _kinds[(series.Measurement, field)] = value.Kind;
            var key = (series, batch.Timestamps[row]);
            if (!_points.TryGetValue(key, out var fields))
            {
                _points[key] = fields = new SortedDictionary<string, FieldValue>(StringComparer.Ordinal);
            }

            fields[field] = value;
            written++;
        }

        return new WriteResult(written, [.. rejections]);
    }

    /// <summary>What a read must return: matching series and range, wanted fields ordered by key, in contract order.</summary>
    public List<Point> Read(PointQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var result = new List<(string Measurement, string Tags, Point Point)>();
        foreach (var ((series, time), fields) in _points)
        {
            if (!query.Range.Contains(time) || !query.Matches(series))
            {
                continue;
            }

            var wanted = fields.Where(f => query.WantsField(f.Key)).Select(f => new Field(f.Key, f.Value)).ToList();
            if (wanted.Count > 0)
            {
                result.Add((series.Measurement, StoreContract.CanonicalTags(series.Tags), new Point(series, wanted, time)));
            }
        }

        return result
            .OrderBy(r => r.Measurement, StringComparer.Ordinal)
            .ThenBy(r => r.Tags, StringComparer.Ordinal)
            .ThenBy(r => r.Point.Timestamp)
            .Select(r => r.Point)
            .ToList();
    }

    /// <summary>Everything stored, in contract order.</summary>
    public List<Point> ReadAll() => Read(new PointQuery(TimeRange.All));
}
