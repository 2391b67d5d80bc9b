using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Cohort.Core;
using Cohort.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cohort.Benchmarks;

/// <summary>
/// Writing batches of 1k/5k/10k values into SQLite: <see cref="SqlitePointStore"/> (one transaction per batch,
/// prepared and reused upsert) against what a user would write by hand: one transaction, a new INSERT command per
/// row. Each invocation writes new timestamps, so both sides insert (no overwrites). Values/s = ValueCount / Mean.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcess))]
public class SqliteWriteBenchmarks
{
    /// <summary>
    /// BenchmarkDotNet's short run, in process: on the shared 2-core machine the generated project's build timed out.
    /// </summary>
    private sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    private const int Series = 10;

    private readonly Tenant _tenant = new("bench");
    private string _directory = "";
    private SqlitePointStore _store = null!;
    private SqliteConnection _naive = null!;
    private PointBatch _batch = null!;
    private long _offset;

    [Params(1_000, 5_000, 10_000)]
    public int ValueCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "cohort-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _store = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _directory });

        _naive = new SqliteConnection($"Data Source={Path.Combine(_directory, "naive.db")};Pooling=False");
        _naive.Open();
        using var setup = _naive.CreateCommand();
        setup.CommandText =
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;" +
            "CREATE TABLE points (measurement TEXT NOT NULL, tags TEXT NOT NULL, field TEXT NOT NULL, time INTEGER NOT NULL, value, " +
            "PRIMARY KEY (measurement, tags, field, time)) WITHOUT ROWID;";
        setup.ExecuteNonQuery();

        // 10 series x 2 fields; timestamps one second apart; rebuilt per invocation with shifted times.
        _batch = new PointBatch(ValueCount);
    }

    [IterationSetup]
    public void NextBatch()
    {
        _batch.Clear();
        var fieldA = _batch.InternField("temperature");
        var fieldB = _batch.InternField("humidity");
        var perSeries = ValueCount / Series / 2;
        for (var s = 0; s < Series; s++)
        {
            var series = _batch.InternSeries(new SeriesKey("climate", TagSet.Create(("room", "r" + s))));
            for (var t = 0; t < perSeries; t++)
            {
                var time = (_offset + t) * 1_000_000_000L;
                _batch.Add(series, fieldA, time, 20.5 + t);
                _batch.Add(series, fieldB, time, 40.25 + t);
            }
        }

        _offset += perSeries;
    }

    [Benchmark(Baseline = true, Description = "naive: new INSERT command per row")]
    public int NaiveRowByRow()
    {
        using var transaction = _naive.BeginTransaction();
        for (var row = 0; row < _batch.ValueCount; row++)
        {
            var series = _batch.GetSeries(_batch.SeriesIds[row]);
            using var command = _naive.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO points (measurement, tags, field, time, value) VALUES ($m, $tags, $f, $t, $v) " +
                                  "ON CONFLICT DO UPDATE SET value = excluded.value;";
            command.Parameters.AddWithValue("$m", series.Measurement);
            command.Parameters.AddWithValue("$tags", series.Tags.ToString());
            command.Parameters.AddWithValue("$f", _batch.GetFieldKey(_batch.FieldIds[row]));
            command.Parameters.AddWithValue("$t", _batch.Timestamps[row]);
            command.Parameters.AddWithValue("$v", _batch.GetValue(row).AsDouble());
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return _batch.ValueCount;
    }

    [Benchmark(Description = "SqlitePointStore.WriteAsync")]
    public async Task<int> Store() => (await _store.WriteAsync(_tenant, _batch)).Written;

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _naive.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
