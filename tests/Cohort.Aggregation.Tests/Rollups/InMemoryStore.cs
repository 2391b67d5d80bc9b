using System.Runtime.CompilerServices;
using Cohort.Core;

namespace Cohort.Aggregation.Tests.Rollups;

/// <summary>
/// A small in-memory store with the store contract's semantics (same series and timestamp merges fields, newest
/// wins; reads ordered by series then time), to drive the rollup engine without a server.
/// </summary>
internal sealed class InMemoryStore : IPointReader, IPointWriter, IPointDeleter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Tenant, SeriesKey, long), Dictionary<string, FieldValue>> _points = [];

    public int Reads { get; private set; }

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var point in batch.ToPoints())
            {
                var key = (tenant, point.Series, point.Timestamp);
                if (!_points.TryGetValue(key, out var fields))
                {
                    _points[key] = fields = new Dictionary<string, FieldValue>(StringComparer.Ordinal);
                }

                foreach (var field in point.Fields)
                {
                    fields[field.Key] = field.Value;
                }
            }
        }

        return ValueTask.FromResult(WriteResult.Success(batch.ValueCount));
    }

    public ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var key in _points.Keys.Where(k => k.Item1 == tenant && k.Item3 < before).ToList())
            {
                _points.Remove(key);
            }
        }

        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<Point> selected;
        lock (_lock)
        {
            Reads++;
            selected = [.. _points
                .Where(p => p.Key.Item1 == tenant && query.Range.Contains(p.Key.Item3) && query.Matches(p.Key.Item2))
                .Select(p => (p.Key, Fields: p.Value.Where(f => query.WantsField(f.Key)).Select(f => new Field(f.Key, f.Value)).ToArray()))
                .Where(p => p.Fields.Length > 0)
                .Select(p => new Point(p.Key.Item2, p.Fields, p.Key.Item3))
                .OrderBy(p => p.Series.ToString(), StringComparer.Ordinal)
                .ThenBy(p => p.Timestamp)];
        }

        foreach (var point in selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return point;
        }
    }
}
