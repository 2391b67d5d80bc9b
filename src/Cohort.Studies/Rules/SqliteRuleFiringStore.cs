using Cohort.Studies.Internal;
using Microsoft.Data.Sqlite;

namespace Cohort.Studies.Rules;

/// <summary>Rule firings in a SQLite file (table <c>cohort_rule_firings</c>), queryable by rule, tenant and time.</summary>
public sealed class SqliteRuleFiringStore : IRuleFiringStore, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS cohort_rule_firings (
        id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, tenant TEXT NOT NULL, fired_at INTEGER NOT NULL,
        value REAL NOT NULL, status TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
        samples INTEGER NOT NULL, error TEXT);
        CREATE INDEX IF NOT EXISTS cohort_rule_firings_by_time ON cohort_rule_firings (fired_at);
        """;

    private readonly SqliteDatabase _database;

    /// <summary>Creates a store in the SQLite file at <paramref name="path"/> (created when missing).</summary>
    public SqliteRuleFiringStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _database = new SqliteDatabase(path, Schema);
    }

    /// <inheritdoc />
    public async ValueTask RecordAsync(RuleFiring firing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(firing);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO cohort_rule_firings (rule, tenant, fired_at, value, status, window_start, window_end, samples, error)
                VALUES ($rule, $tenant, $fired, $value, $status, $start, $end, $samples, $error)
                """;
            command.Parameters.AddWithValue("$rule", firing.Rule);
            command.Parameters.AddWithValue("$tenant", firing.Tenant);
            command.Parameters.AddWithValue("$fired", firing.FiredAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$value", firing.Value);
            command.Parameters.AddWithValue("$status", firing.Status.ToString());
            command.Parameters.AddWithValue("$start", firing.WindowStart.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$end", firing.WindowEnd.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$samples", firing.Samples);
            command.Parameters.AddWithValue("$error", (object?)firing.Error ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RuleFiring>> QueryAsync(DateTimeOffset since, string? rule = null, string? tenant = null, CancellationToken cancellationToken = default)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT rule, tenant, fired_at, value, status, window_start, window_end, samples, error FROM cohort_rule_firings
                WHERE fired_at >= $since AND ($rule IS NULL OR rule = $rule) AND ($tenant IS NULL OR tenant = $tenant)
                ORDER BY fired_at, id
                """;
            command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$rule", (object?)rule ?? DBNull.Value);
            command.Parameters.AddWithValue("$tenant", (object?)tenant ?? DBNull.Value);
            var firings = new List<RuleFiring>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                firings.Add(RuleFiring.Read(reader));
            }

            return firings;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _database.Dispose();
    }
}
