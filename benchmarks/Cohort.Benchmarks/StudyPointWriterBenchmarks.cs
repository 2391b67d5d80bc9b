using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Studies.Hosting;
using Cohort.Studies.Rules;

namespace Cohort.Benchmarks;

/// <summary>
/// What <see cref="StudyPointWriter"/> adds to a write's acknowledgement: a 5,000-value batch (10 series × 2 fields ×
/// 250 timestamps) written to a writer that does nothing, bare against wrapped with a rule engine holding one
/// on-arrival rule that reads one of the fields (the distinct fields are collected and the rule triggered; its
/// evaluation runs in the background and coalesces, over a reader with no data, so it never fires).
/// </summary>
[MemoryDiagnoser]
public class StudyPointWriterBenchmarks
{
    private static readonly Tenant House = new("house-01");
    private readonly PointBatch _batch = PointBatch.FromPoints(
        from t in Enumerable.Range(0, 250)
        from room in Enumerable.Range(0, 10)
        from field in new[] { "temperature", "humidity" }
        select new Point("indoor", TagSet.Create(("room", $"r{room}")), field, 21.5, Timestamps.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(t))));

    private readonly DiscardingWriter _bare = new();
    private string _folder = null!;
    private SqliteRuleFiringStore _firings = null!;
    private RuleEngine _engine = null!;
    private StudyPointWriter _wrapped = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "cohort-bench-arrival-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _firings = new SqliteRuleFiringStore(Path.Combine(_folder, "firings.db"));
        _engine = new RuleEngine(
            [new RuleDefinition("too-warm", "indoor.temperature", "survey") { Above = 27, Schedule = RuleDefinition.OnArrival }],
            new Dictionary<string, INotifier> { ["survey"] = new NoNotifier() },
            _firings,
            new EmptyReader());
        _wrapped = new StudyPointWriter(_bare, _engine);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _engine.Dispose();
        _firings.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "store writer alone")]
    public ValueTask<WriteResult> Bare() => _bare.WriteAsync(House, _batch);

    [Benchmark(Description = "through StudyPointWriter (1 on-arrival rule)")]
    public ValueTask<WriteResult> Wrapped() => _wrapped.WriteAsync(House, _batch);

    private sealed class DiscardingWriter : IPointWriter
    {
        public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(WriteResult.Success(batch.ValueCount));
    }

    private sealed class EmptyReader : IPointReader
    {
        public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }
    }

    private sealed class NoNotifier : INotifier
    {
        public ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
