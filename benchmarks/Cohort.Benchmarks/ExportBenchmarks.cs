using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Studies.Exports;
using Cohort.Testing.Servers;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Benchmarks;

/// <summary>
/// Research export from a real PostgreSQL 15, as CSV and as Parquet: the first export (empty cache: every tenant-day
/// read from the store) against the second (completed days copied from the folder cache, only the current day's tail
/// read from the store). The scale is 4 weeks × 50 participants × 1 Hz (121 M points); the scale is set by
/// <c>COHORT_EXPORT_PARTICIPANTS</c>, <c>COHORT_EXPORT_DAYS</c> (the range ends half-way through the last day, which
/// is still going) and <c>COHORT_EXPORT_INTERVAL_S</c> (seconds between points), defaulting to 7.5 days × 5
/// participants × 0.1 Hz (324,000 points). The store is loaded once per process (by the store's own binary COPY
/// writes) and the caches filled once, shared by the four benchmarks (the class carries its own in-process job:
/// run it with <c>--filter '*ExportBenchmarks*'</c> alone); the load time is printed.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(LongInProcess))]
public class ExportBenchmarks
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Lazy<Task<LoadedStore>> Loaded = new(LoadedStore.CreateAsync);
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "cohort-bench-export-" + Guid.NewGuid().ToString("N"));
    private static Task? _warmed;
    private LoadedStore _data = null!;

    private static int Participants => Setting("COHORT_EXPORT_PARTICIPANTS", 5);

    private static double Days => Setting("COHORT_EXPORT_DAYS", 7.5);

    private static double IntervalSeconds => Setting("COHORT_EXPORT_INTERVAL_S", 10.0);

    private static DateTimeOffset Now => Start.AddDays(Days);

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _data = await Loaded.Value;
        await (_warmed ??= WarmAsync()); // once per process: fills the caches the second exports read
    }

    [IterationSetup(Targets = [nameof(FirstCsv), nameof(FirstParquet)])]
    public void EmptyCache()
    {
        var cold = Path.Combine(Root, "cold");
        if (Directory.Exists(cold))
        {
            Directory.Delete(cold, recursive: true);
        }
    }

    [Benchmark(Baseline = true, Description = "CSV: first export (store only)")]
    public Task<ExportResult> FirstCsv() => CsvAsync("cold");

    [Benchmark(Description = "CSV: second export (cache + tail)")]
    public Task<ExportResult> SecondCsv() => CsvAsync("warm");

    [Benchmark(Description = "Parquet: first export (store only)")]
    public Task<ExportResult> FirstParquet() => ParquetAsync("cold");

    [Benchmark(Description = "Parquet: second export (cache + tail)")]
    public Task<ExportResult> SecondParquet() => ParquetAsync("warm");

    private Task<ExportResult> CsvAsync(string cache) => Exporter(cache).ExportCsvAsync(Stream.Null, _data.Tenants, _data.Range);

    private Task<ExportResult> ParquetAsync(string cache) => Exporter(cache).ExportParquetAsync(Stream.Null, _data.Tenants, _data.Range);

    private ResearchExporter Exporter(string cache) =>
        new(_data.Store, new FolderExportCache(Path.Combine(Root, cache)), new FakeTimeProvider(Now));

    private async Task WarmAsync()
    {
        var clock = Stopwatch.StartNew();
        await CsvAsync("warm");
        var csv = clock.Elapsed;
        await ParquetAsync("warm");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// ExportBenchmarks: cache filled (untimed first exports) CSV {csv.TotalSeconds:F1} s, Parquet {(clock.Elapsed - csv).TotalSeconds:F1} s"));
    }

    /// <summary>
    /// One of each export timed by a stopwatch, no BenchmarkDotNet iterations: for the full scale, where one
    /// first export takes minutes (<c>dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- export-once</c>,
    /// scale from the same environment variables).
    /// </summary>
    public static async Task MeasureOnceAsync()
    {
        var benchmark = new ExportBenchmarks { _data = await Loaded.Value };
        await benchmark.WarmAsync(); // the first exports, timed and printed, fill the "warm" cache
        var clock = Stopwatch.StartNew();
        var csv = await benchmark.SecondCsv();
        var csvTime = clock.Elapsed;
        clock.Restart();
        var parquet = await benchmark.SecondParquet();
        var parquetTime = clock.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// ExportBenchmarks: second exports CSV {csvTime.TotalSeconds:F2} s ({csv.Rows:N0} rows, {csv.DaysFromCache} days from the cache, {csv.DaysFromStore} from the store), Parquet {parquetTime.TotalSeconds:F2} s ({parquet.Rows:N0} rows, {parquet.DaysFromCache} from the cache)"));
    }

    /// <summary>
    /// In process (the store is loaded once for all four), 1 warm-up and 2 measured iterations, and no 5-minute cap per
    /// benchmark: at the scale one first export takes over a minute and loading the store several.
    /// </summary>
    private sealed class LongInProcess : ManualConfig
    {
        public LongInProcess() => AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(2), logOutput: true))
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(2));
    }

    private static T Setting<T>(string name, T fallback)
        where T : IParsable<T> =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? T.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The PostgreSQL server and its data, loaded once per process and stopped when the process exits.</summary>
    private sealed class LoadedStore
    {
        private LoadedStore(PostgresServer server, PostgresPointStore store, Tenant[] tenants)
        {
            Server = server;
            Store = store;
            Tenants = tenants;
        }

        public PostgresServer Server { get; }

        public PostgresPointStore Store { get; }

        public Tenant[] Tenants { get; }

        public TimeRange Range => TimeRange.Between(Start, Now);

        public static async Task<LoadedStore> CreateAsync()
        {
            var server = new PostgresServer();
            await server.StartAsync();
            var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = await server.CreateUniqueDatabaseAsync("bench_export") });
            Tenant[] tenants = [.. Enumerable.Range(1, Participants).Select(i => new Tenant($"p-{i:000}"))];
            var interval = IntervalSeconds;
            var points = (int)((Now - Start).TotalSeconds / interval);
            var clock = Stopwatch.StartNew();
            foreach (var tenant in tenants)
            {
                for (var offset = 0; offset < points; offset += 50_000)
                {
                    var batch = PointBatch.FromPoints(Enumerable.Range(offset, Math.Min(50_000, points - offset)).Select(i =>
                        new Point("watch", TagSet.Create(("sensor", "wrist")), "heart_rate", 60.0 + (i % 40), Timestamps.FromDateTimeOffset(Start.AddSeconds(interval * i)))));
                    await store.WriteAsync(tenant, batch);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// ExportBenchmarks: loaded {(long)points * tenants.Length:N0} points ({tenants.Length} participants × {Days} days every {interval} s) in {clock.Elapsed.TotalSeconds:F1} s"));
            var loaded = new LoadedStore(server, store, tenants);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => loaded.StopAsync().AsTask().GetAwaiter().GetResult();
            return loaded;
        }

        private async ValueTask StopAsync()
        {
            await Store.DisposeAsync();
            await Server.DisposeAsync();
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
    }
}
