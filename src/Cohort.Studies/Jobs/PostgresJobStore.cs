using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cohort.Studies.Internal;
using Npgsql;

namespace Cohort.Studies.Jobs;

/// <summary>
/// Job state in a PostgreSQL table (<c>cohort_jobs</c>), with occurrences claimed through a session-level advisory
/// lock per job (<c>pg_try_advisory_lock</c>) held on a dedicated connection while the job runs: when several hosts
/// share the database, one holds the lock and runs, the others see it taken (or, later, see the occurrence recorded)
/// and skip. A host that dies mid-run drops its connection, and PostgreSQL releases the lock.
/// </summary>
public sealed class PostgresJobStore : IJobStore, IAsyncDisposable
{
    private const string Table = "cohort_jobs";
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresSchema _schema;

    /// <summary>Creates a store on the database of <paramref name="connectionString"/>; the table is created on first use.</summary>
    public PostgresJobStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _schema = new PostgresSchema(_dataSource, GetLockKey(""), Ddl);
    }

    /// <summary>The advisory lock key of a job: the first 8 bytes of the SHA-256 of <c>cohort.job:</c> plus its name.</summary>
    public static long GetLockKey(string jobName)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("cohort.job:" + jobName));
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }

    /// <inheritdoc />
    public async ValueTask<IJobClaim?> TryClaimAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var key = GetLockKey(jobName);
        var locked = false;
        try
        {
            await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                locked = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            if (locked)
            {
                await using var command = new NpgsqlCommand($"SELECT last_occurrence FROM {Table} WHERE name = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = jobName });
                var last = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                if (last is not DateTime lastOccurrence || new DateTimeOffset(lastOccurrence, TimeSpan.Zero) < occurrence)
                {
                    var claim = new Claim(connection, key, jobName);
                    connection = null;
                    return claim;
                }
            }

            return null;
        }
        finally
        {
            if (connection is not null)
            {
                if (locked)
                {
                    await UnlockAsync(connection, key).ConfigureAwait(false);
                }

                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<JobState?> GetStateAsync(string jobName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        var states = await QueryStatesAsync(jobName, cancellationToken).ConfigureAwait(false);
        return states.Count == 0 ? null : states[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<JobState>> ListStatesAsync(CancellationToken cancellationToken = default) =>
        await QueryStatesAsync(null, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _schema.Dispose();
    }

    private async Task<List<JobState>> QueryStatesAsync(string? jobName, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            $"SELECT name, last_occurrence, outcome, started_at, finished_at, attempts, error, next_occurrence, host FROM {Table} " +
            (jobName is null ? "ORDER BY name" : "WHERE name = $1"));
        if (jobName is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = jobName });
        }

        var states = new List<JobState>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            states.Add(new JobState(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), Enum.Parse<JobOutcome>(reader.GetString(2)))
            {
                StartedAt = reader.GetFieldValue<DateTimeOffset>(3),
                FinishedAt = reader.GetFieldValue<DateTimeOffset>(4),
                Attempts = reader.GetInt32(5),
                Error = reader.IsDBNull(6) ? null : reader.GetString(6),
                NextOccurrence = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                Host = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }

        return states;
    }

    private const string Ddl =
        $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            name text PRIMARY KEY,
            last_occurrence timestamptz NOT NULL,
            outcome text NOT NULL,
            started_at timestamptz NOT NULL,
            finished_at timestamptz NOT NULL,
            attempts integer NOT NULL,
            error text,
            next_occurrence timestamptz,
            host text);
        """;

    private static async Task UnlockAsync(NpgsqlConnection connection, long key)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return; // a broken connection has lost its session locks already
        }

        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private sealed class Claim(NpgsqlConnection connection, long key, string jobName) : IJobClaim
    {
        private bool _disposed;

        public async ValueTask CompleteAsync(JobState state, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(state);
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using (var command = new NpgsqlCommand(
                $"""
                INSERT INTO {Table} (name, last_occurrence, outcome, started_at, finished_at, attempts, error, next_occurrence, host)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (name) DO UPDATE SET last_occurrence = excluded.last_occurrence, outcome = excluded.outcome,
                    started_at = excluded.started_at, finished_at = excluded.finished_at, attempts = excluded.attempts,
                    error = excluded.error, next_occurrence = excluded.next_occurrence, host = excluded.host
                """,
                connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = jobName });
                command.Parameters.Add(new NpgsqlParameter { Value = state.LastOccurrence.ToUniversalTime() });
                command.Parameters.Add(new NpgsqlParameter { Value = state.Outcome.ToString() });
                command.Parameters.Add(new NpgsqlParameter { Value = state.StartedAt.ToUniversalTime() });
                command.Parameters.Add(new NpgsqlParameter { Value = state.FinishedAt.ToUniversalTime() });
                command.Parameters.Add(new NpgsqlParameter { Value = state.Attempts });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Error ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = state.NextOccurrence?.ToUniversalTime() });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)state.Host ?? DBNull.Value });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await DisposeAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                await UnlockAsync(connection, key).ConfigureAwait(false);
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
