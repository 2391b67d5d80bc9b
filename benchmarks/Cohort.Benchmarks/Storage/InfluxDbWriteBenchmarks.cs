using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Storage.InfluxDB;
using Cohort.Testing.Servers;

namespace Cohort.Benchmarks.Storage;

/// <summary>
/// Writing 10,000 values into InfluxDB 1.x (a dedicated <c>influxd</c> started here) through
/// <see cref="InfluxDbPointStore"/>, with 1k/5k/10k lines per HTTP request, with and without gzip. Every invocation
/// writes new timestamps. Values/s = 10,000 / Mean.
/// </summary>
[MemoryDiagnoser]
public class InfluxDbWriteBenchmarks
{
    private const int Values = 10_000;
    private const int Series = 10;
    private readonly Tenant _tenant = new("bench");
    private InfluxDbServer _server = null!;
    private InfluxDbPointStore _store = null!;
    private PointBatch _batch = null!;
    private long _offset;

    /// <summary>Lines per write request.</summary>
    [Params(1_000, 5_000, 10_000)]
    public int LinesPerRequest { get; set; }

    /// <summary>Whether request bodies are gzip-compressed.</summary>
    [Params(false, true)]
    public bool Gzip { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new InfluxDbServer();
        _server.StartAsync().GetAwaiter().GetResult();
        _store = new InfluxDbPointStore(new InfluxDbStoreOptions
        {
            BaseUri = _server.BaseUri,
            BatchSize = LinesPerRequest,
            GzipThreshold = Gzip ? 0 : null,
        });
        _batch = new PointBatch(Values);
    }

    [IterationSetup]
    public void NextBatch()
    {
        _offset += Values;
        _batch.Clear();
        var field = _batch.InternField("temperature");
        for (var row = 0; row < Values; row++)
        {
            var series = _batch.InternSeries(new SeriesKey("climate", TagSet.Create(("room", "r" + (row % Series)))));
            _batch.Add(series, field, (_offset + row) * 1_000_000_000L, 20.5 + (row % 1000));
        }
    }

    [Benchmark(Description = "InfluxDbPointStore.WriteAsync, 10k values")]
    public async Task<int> Write() => (await _store.WriteAsync(_tenant, _batch)).Written;

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
