using Microsoft.Data.Sqlite;

namespace Cohort.Studies.Internal;

/// <summary>A SQLite file in WAL mode whose schema is created on the first connection.</summary>
internal sealed class SqliteDatabase(string path, string schema) : IDisposable
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        DefaultTimeout = 30,
    }.ToString();

    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (!_schemaReady)
            {
                await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA journal_mode = WAL;\n" + schema;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    _schemaReady = true;
                }
                finally
                {
                    _schemaGate.Release();
                }
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Dispose()
    {
        _schemaGate.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
