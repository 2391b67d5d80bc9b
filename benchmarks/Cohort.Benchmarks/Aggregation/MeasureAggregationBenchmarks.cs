using BenchmarkDotNet.Attributes;
using Cohort.Aggregation;

namespace Cohort.Benchmarks.Aggregation;

/// <summary>
/// 10 million raw measures over 10,000 groups (100 days x 10 devices x 10 apps), validated, bucketed and merged by
/// the in-process engine, against a one-shot LINQ GroupBy that computes the same count, sum, min, max, avg and
/// sample std (what recomputing from raw costs).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class MeasureAggregationBenchmarks
{
    private const int Repeats = 100;
    private readonly MeasureDefinitionSet _definitions = new([new MeasureDefinition("m") { Group1Key = "device", AggregationThreshold = 5 }]);
    private RawMeasure[] _measures = [];

    /// <summary>Total raw measures per operation.</summary>
    public const int RawMeasures = 10_000_000;

    [GlobalSetup]
    public void Setup()
    {
        // 100,000 distinct raw measures (10 per group), added 100 times: 10 million without building 10 million objects.
        var start = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _measures = [.. Enumerable.Range(0, RawMeasures / Repeats).Select(i => new RawMeasure("m", i % 97, start.AddDays(i % 100).AddMinutes(i % 1000), "app" + (i / 100 % 10))
        {
            Group1 = new MeasureGroup("device", "d" + (i / 1000 % 10)),
        })];
    }

    [Benchmark(Description = "Cohort engine: add + aggregate 10M")]
    public int Engine()
    {
        var engine = new MeasureAggregator(_definitions);
        for (var r = 0; r < Repeats; r++)
        {
            engine.AddRange(_measures);
        }

        engine.Aggregate();
        return engine.GetStatus("m").GroupCount;
    }

    [Benchmark(Baseline = true, Description = "LINQ GroupBy recompute 10M")]
    public int LinqGroupBy()
    {
        var groups = Enumerable.Range(0, Repeats).SelectMany(_ => _measures)
            .GroupBy(m => (m.StartDate.UtcDateTime.Date, m.CreatedBy, m.Group1!.Value.Value))
            .Select(g =>
            {
                var n = g.Count();
                var sum = g.Sum(m => m.Value);
                var mean = sum / n;
                var std = n < 2 ? 0 : Math.Sqrt(g.Sum(m => (m.Value - mean) * (m.Value - mean)) / (n - 1));
                return (n, sum, g.Min(m => m.Value), g.Max(m => m.Value), mean, std);
            })
            .Count();
        return groups;
    }
}
