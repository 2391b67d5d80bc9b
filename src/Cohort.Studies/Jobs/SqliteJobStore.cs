using Cohort.Studies.Internal;
using Microsoft.Data.Sqlite;

namespace Cohort.Studies.Jobs;

/// <summary>
/// Job state in a SQLite file: the single-host default. An occurrence is claimed by a row update inside a
/// <c>BEGIN IMMEDIATE</c> transaction (SQLite's write lock), so several processes of one machine sharing the file
/// still run it once. A claim left by a process that died is taken over after <see cref="ClaimTimeout"/>.
/// </summary>
public sealed class SqliteJobStore : IJobStore, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS cohort_jobs (
        name TEXT PRIMARY KEY,
        last_occurrence INTEGER,
        outcome TEXT,
        started_at INTEGER,
        finished_at INTEGER,
        attempts INTEGER,
        error TEXT,
        next_occurrence INTEGER,
        host TEXT,
        claimed_occurrence INTEGER,
        claimed_at INTEGER);
        """;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    /// <summary>Creates a store in the SQLite file at <paramref name="path"/> (created when missing).</summary>
    public SqliteJobStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _database = new SqliteDatabase(path, Schema);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long a claim by a process that never completed it blocks others (default 6 hours).</summary>
    public TimeSpan ClaimTimeout { get; init; } = TimeSpan.FromHours(6);

    /// <inheritdoc />
    public async ValueTask<IJobClaim?> TryClaimAsync(string jobName, DateTimeOffset occurrence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Microsoft.Data.Sqlite begins a serializable, non-deferred transaction: BEGIN IMMEDIATE takes the write lock.
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var read = connection.CreateCommand();
            read.Transaction = transaction;
            read.CommandText = "SELECT last_occurrence, claimed_occurrence, claimed_at FROM cohort_jobs WHERE name = $name";
            read.Parameters.AddWithValue("$name", jobName);
            var now = _time.GetUtcNow();
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!reader.IsDBNull(0) && reader.GetInt64(0) >= occurrence.ToUnixTimeMilliseconds())
                    {
                        return null; // already run
                    }

                    if (!reader.IsDBNull(1) && reader.GetInt64(1) >= occurrence.ToUnixTimeMilliseconds()
                        && now - DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)) < ClaimTimeout)
                    {
                        return null; // another process is running it
                    }
                }
            }

            await using var claim = connection.CreateCommand();
            claim.Transaction = transaction;
            claim.CommandText = """
                INSERT INTO cohort_jobs (name, claimed_occurrence, claimed_at) VALUES ($name, $occurrence, $now)
                ON CONFLICT (name) DO UPDATE SET claimed_occurrence = excluded.claimed_occurrence, claimed_at = excluded.claimed_at
                """;
            claim.Parameters.AddWithValue("$name", jobName);
            claim.Parameters.AddWithValue("$occurrence", occurrence.ToUnixTimeMilliseconds());
            claim.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new Claim(this, jobName);
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
    public void Dispose()
    {
        _database.Dispose();
    }

    private async Task<List<JobState>> QueryStatesAsync(string? jobName, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, last_occurrence, outcome, started_at, finished_at, attempts, error, next_occurrence, host " +
                "FROM cohort_jobs WHERE last_occurrence IS NOT NULL " + (jobName is null ? "ORDER BY name" : "AND name = $name");
            if (jobName is not null)
            {
                command.Parameters.AddWithValue("$name", jobName);
            }

            var states = new List<JobState>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                states.Add(new JobState(reader.GetString(0), FromMs(reader.GetInt64(1)), Enum.Parse<JobOutcome>(reader.GetString(2)))
                {
                    StartedAt = FromMs(reader.GetInt64(3)),
                    FinishedAt = FromMs(reader.GetInt64(4)),
                    Attempts = reader.GetInt32(5),
                    Error = reader.IsDBNull(6) ? null : reader.GetString(6),
                    NextOccurrence = reader.IsDBNull(7) ? null : FromMs(reader.GetInt64(7)),
                    Host = reader.IsDBNull(8) ? null : reader.GetString(8),
                });
            }

            return states;
        }
    }

    private static DateTimeOffset FromMs(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private async Task CompleteAsync(string jobName, JobState? state, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            if (state is null)
            {
                command.CommandText = "UPDATE cohort_jobs SET claimed_occurrence = NULL, claimed_at = NULL WHERE name = $name";
            }
            else
            {
                command.CommandText = """
                    UPDATE cohort_jobs SET last_occurrence = $occurrence, outcome = $outcome, started_at = $started, finished_at = $finished,
                        attempts = $attempts, error = $error, next_occurrence = $next, host = $host, claimed_occurrence = NULL, claimed_at = NULL
                    WHERE name = $name
                    """;
                command.Parameters.AddWithValue("$occurrence", state.LastOccurrence.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$outcome", state.Outcome.ToString());
                command.Parameters.AddWithValue("$started", state.StartedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$finished", state.FinishedAt.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$attempts", state.Attempts);
                command.Parameters.AddWithValue("$error", (object?)state.Error ?? DBNull.Value);
                command.Parameters.AddWithValue("$next", (object?)state.NextOccurrence?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                command.Parameters.AddWithValue("$host", (object?)state.Host ?? DBNull.Value);
            }

            command.Parameters.AddWithValue("$name", jobName);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Claim(SqliteJobStore store, string jobName) : IJobClaim
    {
        private bool _done;

        public async ValueTask CompleteAsync(JobState state, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(state);
            ObjectDisposedException.ThrowIf(_done, this);
            await store.CompleteAsync(jobName, state, cancellationToken).ConfigureAwait(false);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                _done = true;
                await store.CompleteAsync(jobName, null, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
