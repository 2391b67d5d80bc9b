using BenchmarkDotNet.Attributes;
using Cohort.Aggregation;
using Cohort.Storage.Postgres.Tests.Parity;
using Cohort.Testing.Servers;
using Npgsql;

namespace Cohort.Benchmarks.Aggregation;

/// <summary>
/// Aggregating raw measures over 10,000 groups (100 days x 10 createdBy x 10 devices; 1M measures by default, the
/// issue's 10M with <c>-- aggregation-cpu 10000000</c>) with count, countNotZero, sum, min, max, avg, sample std and
/// quartiles: Cohort's in-process <see cref="MeasureAggregator"/> (validate + add + aggregate + query, end to end)
/// against PostgreSQL 15's <c>GROUP BY</c> with <c>percentile_cont</c> on the same rows, loaded beforehand by binary
/// COPY into a dedicated server (<see cref="DaccSql.Aggregate"/>, every row read back). Values vary within each group
/// (two decimals, pseudo-random), so both sides really order them for the quartiles.
/// </summary>
[MemoryDiagnoser]
public class PostgresAggregationBenchmarks
{
    /// <summary>Raw measures per operation (the BenchmarkDotNet run uses 1M; the CPU-time run takes a size).</summary>
    [Params(1_000_000)]
    public int RawMeasures { get; set; } = 1_000_000;

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
        _measures = [.. Enumerable.Range(0, RawMeasures).Select(i => new RawMeasure("m", (i * 7919L % 100_003) / 100.0, Start.AddDays(i % 100).AddMinutes(i % 1000), "app" + (i / 100 % 10))
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

    [Benchmark(Description = "Cohort MeasureAggregator: add + aggregate + query")]
    public int Engine()
    {
        var engine = new MeasureAggregator(_definitions);
        engine.AddRange(_measures);
        engine.Aggregate();
        return engine.Query(new AggregateQuery("m", Start, Start.AddDays(100))).Count;
    }

    [Benchmark(Baseline = true, Description = "PostgreSQL GROUP BY + percentile_cont")]
    public async Task<int> Postgres()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        return (await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddDays(100))).Count;
    }

    /// <summary>
    /// CPU time per operation of each side (wall time on the shared, loaded machine mostly measures waiting for a
    /// core): this process's CPU time around <see cref="Engine"/>; the PostgreSQL backend's CPU time (from
    /// <c>/proc/&lt;pid&gt;/stat</c>, 100 ticks/s) plus this process's around <see cref="Postgres"/>. Run with
    /// <c>-- aggregation-cpu [raw measures] [repeats]</c>. Checks that both sides release the same aggregates.
    /// </summary>
    public static async Task MeasureCpuTimeAsync(int rawMeasures, int repeats)
    {
        var benchmark = new PostgresAggregationBenchmarks { RawMeasures = rawMeasures };
        var load = System.Diagnostics.Stopwatch.StartNew();
        benchmark.Setup();
        Console.WriteLine($"{rawMeasures:N0} raw measures generated and loaded into PostgreSQL by binary COPY in {load.Elapsed.TotalSeconds:F0} s (not timed below)");
        try
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            await using var connection = await benchmark._dataSource.OpenConnectionAsync();
            await using var pidCommand = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            var pid = (int)(await pidCommand.ExecuteScalarAsync())!;

            // Only this backend's CPU is counted: a parallel plan would leave its workers' CPU out. Say which plan the
            // planner picks by default, then run PostgreSQL on one core, as the engine runs, so all of its CPU counts.
            Console.WriteLine($"PostgreSQL's default plan is {(await UsesParallelPlanAsync(connection) ? "parallel (Gather)" : "serial")}; measured with max_parallel_workers_per_gather = 0");
            await using (var serial = new NpgsqlCommand("SET max_parallel_workers_per_gather = 0", connection))
            {
                await serial.ExecuteNonQueryAsync();
            }

            CheckIdentical(benchmark.EngineResults(), await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddDays(100)));
            for (var r = 0; r < repeats; r++)
            {
                // As BenchmarkDotNet does between iterations: each side starts without the previous one's garbage.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                TimeSpan Cpu()
                {
                    self.Refresh();
                    return self.TotalProcessorTime;
                }

                var before = Cpu();
                var aggregator = new MeasureAggregator(benchmark._definitions);
                aggregator.AddRange(benchmark._measures);
                var added = Cpu();
                aggregator.Aggregate();
                var aggregated = Cpu();
                var groups = aggregator.Query(new AggregateQuery("m", Start, Start.AddDays(100))).Count;
                var queried = Cpu();
                var engine = queried - before;
                Console.WriteLine($"run {r + 1}: engine add {(added - before).TotalMilliseconds:F0} + aggregate {(aggregated - added).TotalMilliseconds:F0} + query {(queried - aggregated).TotalMilliseconds:F0} ms CPU; " +
                                  $"{(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1e6:F0} MB allocated, GCs gen0/1/2 {GC.CollectionCount(0) - gcBefore.Item1}/{GC.CollectionCount(1) - gcBefore.Item2}/{GC.CollectionCount(2) - gcBefore.Item3}");
                GC.KeepAlive(aggregator);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();

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

            // Wall time as a user waits for it, PostgreSQL with its default (parallel) plan on both cores.
            await using (var reset = new NpgsqlCommand("RESET max_parallel_workers_per_gather", connection))
            {
                await reset.ExecuteNonQueryAsync();
            }

            for (var r = 0; r < repeats; r++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var results = benchmark.EngineResults().Count;
                var engineWall = clock.Elapsed;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                clock.Restart();
                var rows = (await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddDays(100))).Count;
                var sqlWall = clock.Elapsed;
                Console.WriteLine($"wall {r + 1}: engine {engineWall.TotalMilliseconds:F0} ms ({results} aggregates); PostgreSQL, default parallel plan, {sqlWall.TotalMilliseconds:F0} ms ({rows} rows); ratio {sqlWall / engineWall:F1}x");
            }
        }
        finally
        {
            benchmark.Cleanup();
        }
    }

    private IReadOnlyList<AggregateResult> EngineResults()
    {
        var engine = new MeasureAggregator(_definitions);
        engine.AddRange(_measures);
        engine.Aggregate();
        return engine.Query(new AggregateQuery("m", Start, Start.AddDays(100)));
    }

    /// <summary>The same aggregates on both sides: counts, min and max exactly, the rest to 1e-12 relative.</summary>
    private static void CheckIdentical(IReadOnlyList<AggregateResult> ours, List<SqlAggregate> sql)
    {
        static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
        if (ours.Count != sql.Count)
        {
            throw new InvalidOperationException($"The engine released {ours.Count} aggregates, PostgreSQL {sql.Count}.");
        }

        for (var i = 0; i < ours.Count; i++)
        {
            var (o, s) = (ours[i], sql[i]);
            var same = o.StartDate.UtcTicks == s.Bucket.UtcTicks && o.CreatedBy == s.CreatedBy && o.Group1?.Value == s.Group1
                && o.Count == s.Count && o.CountNotZero == s.CountNotZero && o.Min == s.Min && o.Max == s.Max
                && Close(o.Sum!.Value, s.Sum) && Close(o.Avg!.Value, s.Avg) && Close(o.Std!.Value, s.Std)
                && Close(o.FirstQuartile!.Value, s.FirstQuartile) && Close(o.Median!.Value, s.Median) && Close(o.ThirdQuartile!.Value, s.ThirdQuartile);
            if (!same)
            {
                throw new InvalidOperationException($"Aggregate {i} differs: engine {o}, PostgreSQL {s}.");
            }
        }

        Console.WriteLine($"identical results: {ours.Count} aggregates (counts, min, max exact; sum, avg, std, quartiles to 1e-12 relative)");
    }

    private static async Task<bool> UsesParallelPlanAsync(NpgsqlConnection connection)
    {
        await using var explain = new NpgsqlCommand("EXPLAIN " + DaccSql.Aggregate, connection);
        explain.Parameters.AddWithValue("period", "day");
        explain.Parameters.AddWithValue("measure", "m");
        explain.Parameters.AddWithValue("start", Start.UtcDateTime);
        explain.Parameters.AddWithValue("end", Start.AddDays(100).UtcDateTime);
        await using var reader = await explain.ExecuteReaderAsync();
        var parallel = false;
        while (await reader.ReadAsync())
        {
            parallel |= reader.GetString(0).Contains("Gather", StringComparison.Ordinal);
        }

        return parallel;
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
