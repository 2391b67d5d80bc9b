using BenchmarkDotNet.Attributes;
using Cohort.Aggregation;
using Cohort.Storage.Postgres.Tests.Parity;
using Cohort.Testing.Servers;
using Npgsql;

namespace Cohort.Benchmarks.Aggregation;

/// <summary>
/// Aggregating 1 million raw measures over 10,000 groups (100 days x 10 createdBy x 10 devices, 100 values each) with
/// count, countNotZero, sum, min, max, avg, sample std and quartiles: Cohort's in-process
/// <see cref="MeasureAggregator"/> (validate + add + aggregate + query, end to end) against PostgreSQL 15's
/// <c>GROUP BY</c> with <c>percentile_cont</c> on the same rows, loaded beforehand into a dedicated server
/// (<see cref="DaccSql.Aggregate"/>, every row read back). 1M rather than 10M rows: the machine is shared and loaded.
/// </summary>
[MemoryDiagnoser]
public class PostgresAggregationBenchmarks
{
    /// <summary>Raw measures per operation.</summary>
    public const int RawMeasures = 1_000_000;

    private static readonly DateTimeOffset Start = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly MeasureDefinitionSet _definitions = new([new MeasureDefinition("m")
    {
        Group1Key = "device",
        Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles,
        AggregationThreshold = 5,
        AccessPublic = true,
    }]);

    private RawMeasure[] _measures = [];
    private PostgresServer _server = null!;
    private NpgsqlDataSource _dataSource = null!;

    [GlobalSetup]
    public void Setup()
    {
        _measures = [.. Enumerable.Range(0, RawMeasures).Select(i => new RawMeasure("m", (i * 7919 % 1000) / 10.0, Start.AddDays(i % 100).AddMinutes(i % 1000), "app" + (i / 100 % 10))
        {
            Group1 = new MeasureGroup("device", "d" + (i / 1000 % 10)),
        })];
        _server = new PostgresServer();
        _server.StartAsync().GetAwaiter().GetResult();
        var connectionString = _server.CreateUniqueDatabaseAsync("bench").GetAwaiter().GetResult();
        _dataSource = NpgsqlDataSource.Create(connectionString);
        using var connection = _dataSource.OpenConnection();
        using (var create = new NpgsqlCommand(DaccSql.CreateTable, connection))
        {
            create.ExecuteNonQuery();
        }

        DaccSql.LoadAsync(connection, _measures).GetAwaiter().GetResult();
        using var analyze = new NpgsqlCommand("ANALYZE raw_measures", connection);
        analyze.ExecuteNonQuery();
    }

    [Benchmark(Description = "Cohort MeasureAggregator: add + aggregate + query 1M")]
    public int Engine()
    {
        var engine = new MeasureAggregator(_definitions);
        engine.AddRange(_measures);
        engine.Aggregate();
        return engine.Query(new AggregateQuery("m", Start, Start.AddDays(100))).Count;
    }

    [Benchmark(Baseline = true, Description = "PostgreSQL GROUP BY + percentile_cont 1M")]
    public async Task<int> Postgres()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        return (await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddDays(100))).Count;
    }

    /// <summary>
    /// CPU time per operation of each side (wall time on the shared, loaded machine mostly measures waiting for a
    /// core): this process's CPU time around <see cref="Engine"/>; the PostgreSQL backend's CPU time (from
    /// <c>/proc/&lt;pid&gt;/stat</c>, 100 ticks/s) plus this process's around <see cref="Postgres"/>. Run with
    /// <c>-- aggregation-cpu</c>.
    /// </summary>
    public static async Task MeasureCpuTimeAsync(int repeats)
    {
        var benchmark = new PostgresAggregationBenchmarks();
        benchmark.Setup();
        try
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            await using var connection = await benchmark._dataSource.OpenConnectionAsync();
            await using var pidCommand = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            var pid = (int)(await pidCommand.ExecuteScalarAsync())!;
            benchmark.Engine();
            await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddDays(100));
            for (var r = 0; r < repeats; r++)
            {
                self.Refresh();
                var before = self.TotalProcessorTime;
                var groups = benchmark.Engine();
                self.Refresh();
                var engine = self.TotalProcessorTime - before;

                var backendBefore = BackendCpu(pid);
                self.Refresh();
                before = self.TotalProcessorTime;
                var rows = (await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddDays(100))).Count;
                self.Refresh();
                var client = self.TotalProcessorTime - before;
                var backend = BackendCpu(pid) - backendBefore;
                Console.WriteLine($"run {r + 1}: engine {engine.TotalMilliseconds:F0} ms CPU ({groups} aggregates); " +
                                  $"PostgreSQL {(backend + client).TotalMilliseconds:F0} ms CPU (backend {backend.TotalMilliseconds:F0} + client {client.TotalMilliseconds:F0}; {rows} rows); " +
                                  $"ratio {(backend + client) / engine:F1}x");
            }
        }
        finally
        {
            benchmark.Cleanup();
        }
    }

    private static TimeSpan BackendCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _dataSource.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
