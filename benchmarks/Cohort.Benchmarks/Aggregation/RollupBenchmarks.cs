using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Cohort.Aggregation;
using Cohort.Core;

namespace Cohort.Benchmarks.Aggregation;

/// <summary>
/// Rollup maintenance cost per point: invalidating on write (100,000 points in one batch), and a refresh that
/// materialises a day of 1 Hz points (86,400) into hourly buckets from an in-memory reader.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RollupBenchmarks
{
    private static readonly Tenant House = new("house-1");
    private static readonly RollupDefinition Solar = new(House, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));
    private static readonly DateTimeOffset Start = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private PointBatch _batch = new();
    private ArrayReader _reader = new([]);
    private InProcessRollupEngine _invalidating = null!;

    [GlobalSetup]
    public void Setup()
    {
        var t0 = Timestamps.FromDateTimeOffset(Start);
        var points = Enumerable.Range(0, 86_400).Select(i => new Point("egauge", TagSet.Empty, "A.Solar", i % 500 * 1.5, t0 + (i * 1_000_000_000L))).ToArray();
        _reader = new ArrayReader(points);
        _batch = PointBatch.FromPoints(Enumerable.Range(0, 100_000).Select(i => new Point("egauge", TagSet.Empty, "A.Solar", 1.0, t0 + (i * 1_000_000_000L))));
        _invalidating = new InProcessRollupEngine(_reader, new AggregationOptions { RollupRefreshLag = TimeSpan.Zero }, new FixedTime(Start.AddDays(2)));
        _invalidating.EnsureRollupAsync(Solar).AsTask().GetAwaiter().GetResult();
        _invalidating.RefreshAllAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "Invalidate 100k written points")]
    public void Invalidate() => _invalidating.Invalidate(House, _batch);

    [Benchmark(Description = "Refresh 86,400 points into 24 buckets")]
    public async Task<int> Refresh()
    {
        var engine = new InProcessRollupEngine(_reader, new AggregationOptions { RollupRefreshLag = TimeSpan.Zero }, new FixedTime(Start.AddDays(1)));
        await engine.EnsureRollupAsync(Solar);
        await engine.RefreshAllAsync();
        return engine.Rollups.Count;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class ArrayReader(Point[] points) : IPointReader
    {
        public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (var point in points)
            {
                if (query.Range.Contains(point.Timestamp))
                {
                    yield return point;
                }
            }
        }
    }
}
