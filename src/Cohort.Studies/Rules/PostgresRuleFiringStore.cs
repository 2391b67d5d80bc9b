using Cohort.Studies.Internal;
using Cohort.Studies.Jobs;
using Npgsql;

namespace Cohort.Studies.Rules;

/// <summary>
/// Rule firings in a PostgreSQL table (<c>cohort_rule_firings</c>), queryable by rule, tenant and time; hosts sharing
/// the database share the firings, so cooldowns and the maximum per day hold across them. Times are kept to the
/// millisecond, as in <see cref="SqliteRuleFiringStore"/>.
/// </summary>
public sealed class PostgresRuleFiringStore : IRuleFiringStore, IAsyncDisposable
{
    private const string Table = "cohort_rule_firings";
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresSchema _schema;

    /// <summary>Creates a store on the database of <paramref name="connectionString"/>; the table is created on first use.</summary>
    public PostgresRuleFiringStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _schema = new PostgresSchema(_dataSource, PostgresJobStore.GetLockKey(Table), Ddl);
    }

    /// <inheritdoc />
    public async ValueTask RecordAsync(RuleFiring firing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(firing);
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            $"INSERT INTO {Table} (rule, tenant, fired_at, value, status, window_start, window_end, samples, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        command.Parameters.Add(new NpgsqlParameter { Value = firing.Rule });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.Tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.FiredAt.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.Status.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.WindowStart.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.WindowEnd.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter { Value = firing.Samples });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)firing.Error ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RuleFiring>> QueryAsync(DateTimeOffset since, string? rule = null, string? tenant = null, CancellationToken cancellationToken = default)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            $"""
            SELECT rule, tenant, fired_at, value, status, window_start, window_end, samples, error FROM {Table}
            WHERE fired_at >= $1 AND ($2::text IS NULL OR rule = $2) AND ($3::text IS NULL OR tenant = $3)
            ORDER BY fired_at, id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = since.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rule ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var firings = new List<RuleFiring>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            firings.Add(RuleFiring.Read(reader));
        }

        return firings;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _schema.Dispose();
    }

    private const string Ddl =
        $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            rule text NOT NULL,
            tenant text NOT NULL,
            fired_at bigint NOT NULL,
            value double precision NOT NULL,
            status text NOT NULL,
            window_start bigint NOT NULL,
            window_end bigint NOT NULL,
            samples integer NOT NULL,
            error text);
        CREATE INDEX IF NOT EXISTS {Table}_by_rule_tenant_time ON {Table} (rule, tenant, fired_at);
        CREATE INDEX IF NOT EXISTS {Table}_by_time ON {Table} (fired_at);
        """;
}
