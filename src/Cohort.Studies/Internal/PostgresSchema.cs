using Npgsql;

namespace Cohort.Studies.Internal;

/// <summary>
/// Creates a store's tables once, on first use: the DDL runs in one transaction under an advisory transaction lock, so
/// two hosts creating the same table at once do not race on the catalog; later calls return at once.
/// </summary>
/// <param name="dataSource">The store's database.</param>
/// <param name="lockKey">The advisory lock that serialises hosts creating these tables.</param>
/// <param name="ddl">Idempotent statements (<c>CREATE … IF NOT EXISTS</c>).</param>
internal sealed class PostgresSchema(NpgsqlDataSource dataSource, long lockKey, string ddl) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                await using var command = dataSource.CreateCommand($"BEGIN; SELECT pg_advisory_xact_lock({lockKey}); {ddl} COMMIT;");
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
