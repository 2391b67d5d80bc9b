using System.Collections.Concurrent;
using System.Data;
using System.Runtime.CompilerServices;
using Cohort.Core;
using Cohort.Storage.Postgres.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Cohort.Storage.Postgres;

/// <summary>
/// The PostgreSQL store: one schema per tenant (<c>&lt;prefix&gt;&lt;tenant id&gt;</c>), points in a table partitioned
/// by week (or a TimescaleDB hypertable when the extension is installed), batches written with binary COPY into a
/// staging table and one set-based upsert, in one transaction each; continuous rollups pushed down as SQL
/// (<see cref="Rollups"/>). Thread-safe. Held to the Cohort store contract (docs/storage.md). Retention:
/// <see cref="DeleteBeforeAsync"/> deletes a tenant's raw points before a cutoff and keeps its rollups.
/// </summary>
public sealed class PostgresPointStore : IPointWriter, IPointReader, IPointDeleter, IAsyncDisposable
{
    private const int MaxAttempts = 5;
    private const int MaxNewPartitionsPerBatch = 8;

    private readonly PostgresStoreOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _migrated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Schema, long Week), bool> _partitions = new();
    private bool? _timescale;
    private volatile bool _disposed;

    /// <summary>Creates a store; nothing is sent to the server until the first write or read.</summary>
    /// <param name="options">Where the database is and how to lay tenants out; copied.</param>
    /// <param name="loggerFactory">Where to log; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of rollup refreshes; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public PostgresPointStore(PostgresStoreOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _options = options.Clone();
        if (_options.DataSource is { } dataSource)
        {
            _dataSource = dataSource;
        }
        else
        {
            _dataSource = NpgsqlDataSource.Create(_options.ConnectionString!);
            _ownsDataSource = true;
        }

        _logger = (ILogger?)loggerFactory?.CreateLogger<PostgresPointStore>() ?? NullLogger.Instance;
        Rollups = new PostgresRollupManager(this, _options.RollupRefreshLag, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// The continuous rollups of this store's tenants, pushed down as SQL (materialised rollup tables, or TimescaleDB
    /// continuous aggregates when the extension is installed); register it as the host's <see cref="IRollupManager"/>.
    /// </summary>
    public PostgresRollupManager Rollups { get; }

    internal ILogger Logger => _logger;

    internal string SchemaPrefix => _options.SchemaPrefix;

    /// <summary>The schema that holds <paramref name="tenant"/>'s data.</summary>
    public string GetSchemaName(Tenant tenant) => PostgresSql.SchemaName(_options.SchemaPrefix, CheckTenant(tenant));

    /// <inheritdoc />
    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckTenant(tenant);
        cancellationToken.ThrowIfCancellationRequested();
        return batch.IsEmpty ? ValueTask.FromResult(WriteResult.Success(0)) : WriteCoreAsync(tenant, batch, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckTenant(tenant);
        return ReadCoreAsync(tenant, query, cancellationToken);
    }

    /// <summary>
    /// Deletes the tenant's raw points before <paramref name="before"/> (Unix nanoseconds), in every series, and keeps
    /// its rollups: every maintained rollup is first materialised up to the end of the bucket holding the cutoff, so
    /// the buckets of the deleted points stay as they were, and buckets before the cutoff are final from then on (a late
    /// point there no longer changes them). Whole weekly partitions (TimescaleDB: chunks) before the cutoff are
    /// dropped, the rest is deleted; one transaction (TimescaleDB: the continuous aggregates are refreshed before it,
    /// and their refresh policies moved after it so that they never refresh the deleted range). Idempotent; a tenant
    /// with no data is not an error. Series and field definitions are kept.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The server cannot be reached.</exception>
    public async ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var schema = GetSchemaName(tenant);
        cancellationToken.ThrowIfCancellationRequested();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DeleteCoreAsync(schema, before, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (attempt < MaxAttempts && PostgresErrors.IsRetryable(exception))
            {
                Log.Retrying(_logger, schema, attempt);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && Fail(exception, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }

    /// <summary>Disposes the data source when the store created it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---- Writes ---------------------------------------------------------------------------------------------------

    private async ValueTask<WriteResult> WriteCoreAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken)
    {
        var schema = GetSchemaName(tenant);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await EnsureSchemaAsync(connection, schema, cancellationToken).ConfigureAwait(false);
                await EnsurePartitionsAsync(connection, schema, batch, cancellationToken).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var result = await new BatchWriter(connection, schema, batch, _options.BatchSize).WriteAsync(cancellationToken).ConfigureAwait(false);
                if (_timescale != true)
                {
                    await Rollups.MaintainAsync(connection, schema, batch, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                Log.Wrote(_logger, schema, result.Written, result.Rejections.Length);
                return result;
            }
            catch (Exception exception) when (attempt < MaxAttempts && PostgresErrors.IsRetryable(exception))
            {
                Log.Retrying(_logger, schema, attempt);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && Fail(exception, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
        }
    }

    private async ValueTask EnsureSchemaAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        if (_migrated.ContainsKey(schema))
        {
            return;
        }

        var timescale = await DetectTimescaleAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        var s = PostgresSql.Quote(schema);
        await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {s}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"CREATE TABLE IF NOT EXISTS {s}.cohort_schema_version (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
        int version;
        await using (var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {s}.cohort_schema_version", connection))
        {
            version = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (version > PostgresSql.CurrentVersion)
        {
            throw new CohortException($"The PostgreSQL schema {schema} is at version {version}, newer than this library ({PostgresSql.CurrentVersion}); upgrade Cohort.Storage.Postgres.");
        }

        if (version < 1)
        {
            foreach (var statement in PostgresSql.Migration1(schema, timescale))
            {
                await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"INSERT INTO {s}.cohort_schema_version (version, description) VALUES (1, {PostgresSql.Literal(timescale ? "series, fields, points (TimescaleDB hypertable)" : "series, fields, points (weekly partitions)")})", cancellationToken).ConfigureAwait(false);
            Log.Migrated(_logger, schema, 1, timescale);
        }

        if (version < 2)
        {
            foreach (var statement in RollupSql.Migration2(schema))
            {
                await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"INSERT INTO {s}.cohort_schema_version (version, description) VALUES (2, 'rollup registry')", cancellationToken).ConfigureAwait(false);
            Log.Migrated(_logger, schema, 2, timescale);
        }

        if (version < 3)
        {
            foreach (var statement in PostgresSql.Migration3(schema))
            {
                await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"INSERT INTO {s}.cohort_schema_version (version, description) VALUES (3, 'retention record')", cancellationToken).ConfigureAwait(false);
            Log.Migrated(_logger, schema, 3, timescale);
        }

        if (version < 4)
        {
            foreach (var statement in RollupSql.Migration4(schema))
            {
                await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"INSERT INTO {s}.cohort_schema_version (version, description) VALUES (4, 'rollup deletion floors')", cancellationToken).ConfigureAwait(false);
            Log.Migrated(_logger, schema, 4, timescale);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _migrated[schema] = true;
    }

    private async ValueTask<bool> DetectTimescaleAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_timescale is { } known)
        {
            return known;
        }

        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')", connection);
        var installed = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        _timescale = installed;
        return installed;
    }

    private async ValueTask EnsurePartitionsAsync(NpgsqlConnection connection, string schema, PointBatch batch, CancellationToken cancellationToken)
    {
        if (_timescale == true)
        {
            return;
        }

        var missing = new SortedSet<long>();
        foreach (var timestamp in batch.Timestamps)
        {
            if (PostgresSql.WeekOf(timestamp) is { } week && !_partitions.ContainsKey((schema, week)))
            {
                missing.Add(week);
                if (missing.Count >= MaxNewPartitionsPerBatch)
                {
                    break; // the rest of this batch's new weeks land in the default partition
                }
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        var s = PostgresSql.Quote(schema);
        foreach (var week in missing)
        {
            // A partition cannot be created over rows already in the default partition; those weeks stay there.
            await using var check = new NpgsqlCommand(
                $"SELECT to_regclass(@name) IS NOT NULL OR EXISTS (SELECT 1 FROM {s}.points_default WHERE time >= @from AND time < @to)", connection);
            check.Parameters.AddWithValue("name", s + "." + PostgresSql.Quote(PostgresSql.PartitionName(week)));
            check.Parameters.AddWithValue("from", week * PostgresSql.PartitionWidth);
            check.Parameters.AddWithValue("to", (week + 1) * PostgresSql.PartitionWidth);
            var skip = (bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (!skip)
            {
                await ExecuteAsync(connection, PostgresSql.CreatePartition(schema, week), cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var week in missing)
        {
            _partitions[(schema, week)] = true;
        }
    }

    private static async ValueTask LockAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection);
        command.Parameters.AddWithValue("key", PostgresSql.LockKey(schema));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---- Retention ------------------------------------------------------------------------------------------------

    private async ValueTask DeleteCoreAsync(string schema, long before, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await SchemaReadyAsync(connection, schema, cancellationToken).ConfigureAwait(false))
        {
            return; // nothing was ever written for this tenant
        }

        await EnsureSchemaAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        var timescale = await DetectTimescaleAsync(connection, cancellationToken).ConfigureAwait(false);
        if (timescale)
        {
            // Continuous aggregates are refreshed outside a transaction block: materialise what is about to go.
            await PostgresRollupManager.RefreshBeforePurgeAsync(connection, schema, before, cancellationToken).ConfigureAwait(false);
        }

        var s = PostgresSql.Quote(schema);
        int dropped;
        long deleted;
        var droppedWeeks = new List<long>();
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await LockAsync(connection, schema, cancellationToken).ConfigureAwait(false); // no partition is created meanwhile
            if (!timescale)
            {
                await Rollups.MaterializeBeforePurgeAsync(connection, schema, before, cancellationToken).ConfigureAwait(false);
            }

            if (timescale)
            {
                // Whole chunks before the cutoff go at once.
                await using var drop = new NpgsqlCommand($"SELECT count(*) FROM drop_chunks({PostgresSql.Literal(s + ".points")}::regclass, older_than => @before::bigint)", connection);
                drop.Parameters.AddWithValue("before", before);
                dropped = (int)(long)(await drop.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            else
            {
                // Whole weekly partitions before the cutoff are dropped rather than emptied row by row.
                await using (var list = new NpgsqlCommand(PostgresSql.ListPartitions, connection))
                {
                    list.Parameters.AddWithValue("points", s + ".points");
                    await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (PostgresSql.WeekOfPartition(reader.GetString(0)) is { } week && (week + 1) * PostgresSql.PartitionWidth <= before)
                        {
                            droppedWeeks.Add(week);
                        }
                    }
                }

                foreach (var week in droppedWeeks)
                {
                    await ExecuteAsync(connection, $"DROP TABLE {s}.{PostgresSql.Quote(PostgresSql.PartitionName(week))}", cancellationToken).ConfigureAwait(false);
                }

                dropped = droppedWeeks.Count;
            }

            await using (var delete = new NpgsqlCommand($"DELETE FROM {s}.points WHERE time < @before", connection) { CommandTimeout = 0 })
            {
                delete.Parameters.AddWithValue("before", before);
                deleted = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand(PostgresSql.RecordPurge(schema), connection))
            {
                record.Parameters.AddWithValue("before", before);
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var week in droppedWeeks)
        {
            _partitions.TryRemove((schema, week), out _); // a later write there creates it again
        }

        if (timescale)
        {
            await Rollups.MovePoliciesAfterPurgeAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        }

        Log.Purged(_logger, schema, before, deleted, dropped);
    }

    /// <summary>The latest cutoff the schema's raw points were deleted before, or null when never purged.</summary>
    internal static async ValueTask<long?> PurgedBeforeAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(PostgresSql.PurgedBefore(schema), connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long before ? before : null;
    }

    // ---- Reads ----------------------------------------------------------------------------------------------------

    private async IAsyncEnumerable<Point> ReadCoreAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (query.Range.IsEmpty)
        {
            yield break;
        }

        var schema = GetSchemaName(tenant);
        NpgsqlConnection? connection = null;
        NpgsqlDataReader? reader = null;
        NpgsqlTransaction? transaction = null;
        try
        {
            SeriesRow[] series;
            Dictionary<int, string> fieldNames;
            try
            {
                connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                if (!await SchemaReadyAsync(connection, schema, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                // One snapshot for the series, fields and points of this read.
                transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                series = await ReadSeriesAsync(connection, schema, query, cancellationToken).ConfigureAwait(false);
                fieldNames = await ReadFieldsAsync(connection, schema, query, cancellationToken).ConfigureAwait(false);
                if (series.Length == 0 || fieldNames.Count == 0)
                {
                    yield break;
                }

                var s = PostgresSql.Quote(schema);
                var fieldFilter = query.Fields.IsDefaultOrEmpty ? string.Empty : " AND p.field_id = ANY(@fields)";
                await using var command = new NpgsqlCommand(
                    $"SELECT o.ord, p.time, p.field_id, p.kind, p.v_double, p.v_int, p.v_bool, p.v_text " +
                    $"FROM unnest(@ids) WITH ORDINALITY AS o(id, ord) JOIN {s}.points p ON p.series_id = o.id " +
                    $"WHERE p.time >= @start AND p.time < @end{fieldFilter} ORDER BY o.ord, p.time", connection);
                command.Parameters.AddWithValue("ids", series.Select(r => r.Id).ToArray());
                command.Parameters.AddWithValue("start", query.Range.Start);
                command.Parameters.AddWithValue("end", query.Range.End);
                if (fieldFilter.Length > 0)
                {
                    command.Parameters.AddWithValue("fields", fieldNames.Keys.ToArray());
                }

                reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException && Fail(exception, cancellationToken) is { } mapped)
            {
                throw mapped;
            }

            var currentOrdinal = -1L;
            var currentTime = 0L;
            var fields = new List<Field>();
            while (true)
            {
                bool more;
                long ordinal = 0, time = 0;
                Field field = default;
                try
                {
                    more = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (more)
                    {
                        ordinal = reader.GetInt64(0);
                        time = reader.GetInt64(1);
                        var fieldId = reader.GetInt32(2);
                        var kind = (FieldKind)reader.GetInt16(3);
                        var value = kind switch
                        {
                            FieldKind.Double => FieldValue.FromDouble(reader.GetDouble(4)),
                            FieldKind.Int64 => FieldValue.FromInt64(reader.GetInt64(5)),
                            FieldKind.UInt64 => FieldValue.FromUInt64(unchecked((ulong)reader.GetInt64(5))),
                            FieldKind.Boolean => FieldValue.FromBoolean(reader.GetBoolean(6)),
                            _ => FieldValue.FromString(reader.GetString(7)),
                        };
                        field = new Field(fieldNames[fieldId], value);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException && Fail(exception, cancellationToken) is { } mapped)
                {
                    throw mapped;
                }

                if (fields.Count > 0 && (!more || ordinal != currentOrdinal || time != currentTime))
                {
                    fields.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
                    var point = new Point(series[currentOrdinal - 1].Key, fields, currentTime);
                    fields = [];
                    yield return point;
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (!more)
                {
                    break;
                }

                currentOrdinal = ordinal;
                currentTime = time;
                fields.Add(field);
            }
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }

            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs an operation of the rollup manager on a pooled connection, with TimescaleDB detected, and failures mapped
    /// like the store's own (an unreachable server is a <see cref="StoreUnavailableException"/>).
    /// </summary>
    internal async Task<T> RunAsync<T>(Func<NpgsqlConnection, bool, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var timescale = await DetectTimescaleAsync(connection, cancellationToken).ConfigureAwait(false);
            return await operation(connection, timescale).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && Fail(exception, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>Creates or migrates a tenant's schema; returns its name.</summary>
    internal async Task<string> MigrateAsync(NpgsqlConnection connection, Tenant tenant, CancellationToken cancellationToken)
    {
        var schema = GetSchemaName(tenant);
        await EnsureSchemaAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        return schema;
    }

    internal async ValueTask<bool> SchemaReadyAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        if (_migrated.ContainsKey(schema))
        {
            return true;
        }

        await using var command = new NpgsqlCommand("SELECT to_regclass(@points) IS NOT NULL", connection);
        command.Parameters.AddWithValue("points", PostgresSql.Quote(schema) + ".points");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async ValueTask<SeriesRow[]> ReadSeriesAsync(NpgsqlConnection connection, string schema, PointQuery query, CancellationToken cancellationToken)
    {
        var sql = $"SELECT id, measurement, tags_text, tags::text FROM {PostgresSql.Quote(schema)}.series WHERE true";
        await using var command = new NpgsqlCommand { Connection = connection };
        if (query.Measurement is not null)
        {
            sql += " AND measurement = @measurement";
            command.Parameters.AddWithValue("measurement", query.Measurement);
        }

        if (!query.TagFilters.IsDefaultOrEmpty)
        {
            sql += " AND tags @> @filter::jsonb";
            command.Parameters.AddWithValue("filter", SeriesText.Json(query.TagFilters));
        }

        command.CommandText = sql;
        var rows = new List<SeriesRow>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var measurement = reader.GetString(1);
                var tagsText = reader.GetString(2);
                var tags = SeriesText.ParseJson(reader.GetString(3));
                rows.Add(new SeriesRow(reader.GetInt64(0), tagsText, new SeriesKey(measurement, tags)));
            }
        }

        // Contract order is UTF-16 ordinal, which no server collation gives (a non-BMP character sorts after U+FF5E in
        // UTF-8 byte order): sort here, and let the points query follow this order through WITH ORDINALITY.
        rows.Sort(static (x, y) => SeriesText.Compare(x.Key.Measurement, x.TagsText, y.Key.Measurement, y.TagsText));
        return [.. rows];
    }

    private static async ValueTask<Dictionary<int, string>> ReadFieldsAsync(NpgsqlConnection connection, string schema, PointQuery query, CancellationToken cancellationToken)
    {
        var sql = $"SELECT id, field FROM {PostgresSql.Quote(schema)}.fields";
        await using var command = new NpgsqlCommand { Connection = connection };
        if (!query.Fields.IsDefaultOrEmpty)
        {
            sql += " WHERE field = ANY(@fields)";
            command.Parameters.AddWithValue("fields", query.Fields.ToArray());
        }

        command.CommandText = sql;
        var names = new Dictionary<int, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names[reader.GetInt32(0)] = reader.GetString(1);
        }

        return names;
    }

    // ---- Errors ---------------------------------------------------------------------------------------------------

    /// <summary>The exception to throw for a failure, or null to let it pass unchanged.</summary>
    private Exception? Fail(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested && exception is NpgsqlException)
        {
            // Npgsql may surface a cancelled command as a broken connection.
            _dataSource.Clear();
            return new OperationCanceledException("The operation was cancelled.", exception, cancellationToken);
        }

        if (!PostgresErrors.IsUnavailable(exception))
        {
            return null;
        }

        var state = (exception as PostgresException)?.SqlState;
        Log.Unavailable(_logger, state, exception);
        _dataSource.Clear(); // pooled connections to a server that went away are dead
        return new StoreUnavailableException($"The PostgreSQL store at {Describe()} is unavailable: {exception.Message}", exception);
    }

    private string Describe()
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (ArgumentException)
        {
            return "(data source)";
        }
    }

    private static string CheckTenant(Tenant tenant) =>
        tenant.Id ?? throw new ArgumentException("The tenant is the default value; create it with new Tenant(id).", nameof(tenant));

    private sealed record SeriesRow(long Id, string TagsText, SeriesKey Key);
}
