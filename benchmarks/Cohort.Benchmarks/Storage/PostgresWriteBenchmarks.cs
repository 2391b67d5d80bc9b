using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Testing.Servers;
using Npgsql;
using NpgsqlTypes;

namespace Cohort.Benchmarks.Storage;

/// <summary>
/// Writing 1k/5k/10k rows into PostgreSQL 15 (a dedicated server started here): the four ways a user would write rows
/// with Npgsql into a <c>(series_id, time, field_id, value)</c> table with a primary key — one INSERT per row
/// (prepared, one transaction), multi-row INSERT (1,000 rows per statement), one <see cref="NpgsqlBatch"/> of
/// single-row INSERTs, binary COPY — and <see cref="PostgresPointStore.WriteAsync"/> (binary COPY into a staging table
/// and a set-based upsert, plus series and field resolution). Every invocation writes new timestamps (no conflicts).
/// Rows/s = Rows / Mean.
/// </summary>
[MemoryDiagnoser]
public class PostgresWriteBenchmarks
{
    private const int Series = 10;
    private const int RowsPerInsert = 1_000;
    private readonly Tenant _tenant = new("bench");
    private PostgresServer _server = null!;
    private NpgsqlDataSource _dataSource = null!;
    private PostgresPointStore _store = null!;
    private PointBatch _batch = null!;
    private double[] _values = [];
    private long _offset;

    /// <summary>Rows per write.</summary>
    [Params(1_000, 5_000, 10_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new PostgresServer();
        _server.StartAsync().GetAwaiter().GetResult();
        var connectionString = _server.CreateUniqueDatabaseAsync("bench").GetAwaiter().GetResult();
        _dataSource = NpgsqlDataSource.Create(connectionString);
        using (var command = _dataSource.CreateCommand(
            "CREATE TABLE rows (series_id bigint NOT NULL, time bigint NOT NULL, field_id integer NOT NULL, value double precision NOT NULL, PRIMARY KEY (series_id, time, field_id))"))
        {
            command.ExecuteNonQuery();
        }

        _store = new PostgresPointStore(new PostgresStoreOptions { DataSource = _dataSource });
        _values = [.. Enumerable.Range(0, Rows).Select(i => 20.5 + (i % 1000))];
        _batch = new PointBatch(Rows);
    }

    [IterationSetup]
    public void NextRows()
    {
        _offset += Rows;
        _batch.Clear();
        var field = _batch.InternField("temperature");
        for (var row = 0; row < Rows; row++)
        {
            var series = _batch.InternSeries(new SeriesKey("climate", TagSet.Create(("room", "r" + (row % Series)))));
            _batch.Add(series, field, Time(row), _values[row]);
        }
    }

    [Benchmark(Baseline = true, Description = "row-by-row INSERT (prepared, one transaction)")]
    public async Task<int> RowByRow()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("INSERT INTO rows VALUES ($1, $2, $3, $4)", connection, transaction);
        var series = new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint };
        var time = new NpgsqlParameter<long> { NpgsqlDbType = NpgsqlDbType.Bigint };
        var value = new NpgsqlParameter<double> { NpgsqlDbType = NpgsqlDbType.Double };
        command.Parameters.Add(series);
        command.Parameters.Add(time);
        command.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer, TypedValue = 1 });
        command.Parameters.Add(value);
        await command.PrepareAsync();
        for (var row = 0; row < Rows; row++)
        {
            series.TypedValue = row % Series;
            time.TypedValue = Time(row);
            value.TypedValue = _values[row];
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return Rows;
    }

    [Benchmark(Description = "multi-row INSERT (1,000 rows per statement)")]
    public async Task<int> MultiRowInsert()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        for (var start = 0; start < Rows; start += RowsPerInsert)
        {
            var count = Math.Min(RowsPerInsert, Rows - start);
            var sql = new System.Text.StringBuilder("INSERT INTO rows VALUES ");
            await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
            for (var i = 0; i < count; i++)
            {
                var row = start + i;
                var p = i * 4;
                sql.Append(i == 0 ? "" : ",").Append("($").Append(p + 1).Append(",$").Append(p + 2).Append(",$").Append(p + 3).Append(",$").Append(p + 4).Append(')');
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row % Series });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Time(row) });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
                command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = _values[row] });
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return Rows;
    }

    [Benchmark(Description = "NpgsqlBatch of single-row INSERTs")]
    public async Task<int> Batch()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        for (var row = 0; row < Rows; row++)
        {
            var command = new NpgsqlBatchCommand("INSERT INTO rows VALUES ($1, $2, $3, $4)");
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row % Series });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Time(row) });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = _values[row] });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(); // an implicit transaction
        return Rows;
    }

    [Benchmark(Description = "binary COPY")]
    public async Task<int> BinaryCopy()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync("COPY rows (series_id, time, field_id, value) FROM STDIN (FORMAT BINARY)");
        for (var row = 0; row < Rows; row++)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync((long)(row % Series), NpgsqlDbType.Bigint);
            await importer.WriteAsync(Time(row), NpgsqlDbType.Bigint);
            await importer.WriteAsync(1, NpgsqlDbType.Integer);
            await importer.WriteAsync(_values[row], NpgsqlDbType.Double);
        }

        await importer.CompleteAsync();
        return Rows;
    }

    [Benchmark(Description = "PostgresPointStore.WriteAsync (COPY to staging + upsert)")]
    public async Task<int> Store() => (await _store.WriteAsync(_tenant, _batch)).Written;

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _dataSource.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private long Time(int row) => (_offset + row) * 1_000_000_000L;
}
