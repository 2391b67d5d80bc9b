using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Studies.Exports;
using Cohort.Testing.Servers;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Benchmarks;

/// <summary>
/// Research export from a real PostgreSQL 15: the first export (empty cache: every day read from the store) against
/// the second (completed days copied from the folder cache, only the current day's tail read from the store).
/// Scaled down from the 4 weeks × 50 participants × 1 Hz (120 M points) to what a loaded 2-core machine
/// loads in a minute: 7.5 days × 5 participants × 0.1 Hz (324,000 points).
/// </summary>
[MemoryDiagnoser]
public class ExportBenchmarks
{
    private const int Participants = 5;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Start.AddDays(7.5);
    private PostgresServer _server = null!;
    private PostgresPointStore _store = null!;
    private Tenant[] _tenants = null!;
    private string _coldCache = null!;
    private string _warmCache = null!;
    private TimeRange _range;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = new PostgresServer();
        await _server.StartAsync();
        _store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = await _server.CreateUniqueDatabaseAsync("bench_export") });
        _tenants = [.. Enumerable.Range(1, Participants).Select(i => new Tenant($"p-{i:000}"))];
        var points = (int)((Now - Start).TotalSeconds / 10);
        foreach (var tenant in _tenants)
        {
            for (var offset = 0; offset < points; offset += 20_000)
            {
                var batch = PointBatch.FromPoints(Enumerable.Range(offset, Math.Min(20_000, points - offset)).Select(i =>
                    new Point("watch", TagSet.Create(("sensor", "wrist")), "heart_rate", 60.0 + (i % 40), Timestamps.FromDateTimeOffset(Start.AddSeconds(10 * i)))));
                await _store.WriteAsync(tenant, batch);
            }
        }

        _range = TimeRange.Between(Start, Now);
        var root = Path.Combine(Path.GetTempPath(), "cohort-bench-export-" + Guid.NewGuid().ToString("N"));
        _coldCache = Path.Combine(root, "cold");
        _warmCache = Path.Combine(root, "warm");
        await ExportAsync(_warmCache); // fills the cache the second exports read
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _store.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_coldCache)!, recursive: true);
    }

    [IterationSetup(Target = nameof(FirstExport))]
    public void EmptyCache()
    {
        if (Directory.Exists(_coldCache))
        {
            Directory.Delete(_coldCache, recursive: true);
        }
    }

    [Benchmark(Baseline = true, Description = "first export (store only)")]
    public Task<ExportResult> FirstExport() => ExportAsync(_coldCache);

    [Benchmark(Description = "second export (cache + tail)")]
    public Task<ExportResult> SecondExport() => ExportAsync(_warmCache);

    private async Task<ExportResult> ExportAsync(string cache)
    {
        var exporter = new ResearchExporter(_store, new FolderExportCache(cache), new FakeTimeProvider(Now));
        return await exporter.ExportCsvAsync(Stream.Null, _tenants, _range);
    }
}
