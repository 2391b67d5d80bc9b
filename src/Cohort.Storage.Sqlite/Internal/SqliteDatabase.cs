using System.Globalization;
using Cohort.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Cohort.Storage.Sqlite.Internal;

/// <summary>
/// One database file: its write connection with prepared, reused commands, its schema, and the series and field ids
/// already resolved. Writes are serialised by an async gate (SQLite has one writer at a time anyway); readers open
/// their own pooled connections and read a WAL snapshot, so they never wait for a writer.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private const int CancellationCheckInterval = 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;
    private readonly int _busyTimeoutMilliseconds;
    private readonly string _writeConnectionString;
    private readonly Dictionary<SeriesCacheKey, long> _seriesIds = [];
    private readonly Dictionary<FieldCacheKey, FieldDefinition> _fields = [];

    private SqliteConnection? _connection;
    private SqliteCommand? _upsert;
    private SqliteCommand? _findSeries;
    private SqliteCommand? _insertSeries;
    private SqliteCommand? _findField;
    private SqliteCommand? _insertField;
    private volatile bool _schemaReady;
    private bool _disposed;

    public SqliteDatabase(string path, TimeSpan busyTimeout, ILogger logger)
    {
        Path = path;
        _logger = logger;
        _busyTimeoutMilliseconds = (int)Math.Ceiling(busyTimeout.TotalMilliseconds);
        var timeoutSeconds = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds));
        _writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
        ReadConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
    }

    public string Path { get; }

    public string ReadConnectionString { get; }

    public int BusyTimeoutMilliseconds => _busyTimeoutMilliseconds;

    /// <summary>Creates the file and brings its schema up to date, once.</summary>
    public async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Guarded(() => Open());
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Guarded(() => Write(Open(), tenant, batch, cancellationToken));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes the tenant's points before <paramref name="before"/> in one transaction; returns the number of field
    /// values deleted.
    /// </summary>
    public async ValueTask<int> DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Guarded(() => DeleteBefore(Open(), tenant, before));
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CloseConnection();
        SqliteConnection.ClearPool(new SqliteConnection(ReadConnectionString));
        _gate.Dispose();
    }

    private T Guarded<T>(Func<T> operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return operation();
        }
        catch (SqliteException exception)
        {
            // The transaction has rolled back: forget ids resolved inside it and start from a fresh connection.
            CloseConnection();
            if (SqliteErrors.IsUnavailable(exception))
            {
                Log.Unavailable(_logger, Path, exception.SqliteErrorCode, exception);
            }

            throw SqliteErrors.Translate(exception, Path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            CloseConnection();
            throw SqliteErrors.Translate(exception, Path);
        }
        catch
        {
            // Cancellation (or a bug): the transaction rolled back, so the cached ids may name rows that do not exist.
            _seriesIds.Clear();
            _fields.Clear();
            throw;
        }
    }

    private SqliteConnection Open()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(_writeConnectionString);
        try
        {
            connection.Open();
            Execute(connection, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMilliseconds};"));
            Execute(connection, null, "PRAGMA journal_mode = WAL;");
            Execute(connection, null, "PRAGMA synchronous = NORMAL;");
            Migrate(connection);
            PrepareCommands(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _connection = connection;
        _schemaReady = true;
        return connection;
    }

    private void Migrate(SqliteConnection connection)
    {
        // Up to date already (the common case): no write lock needed, so a database another process holds open for
        // writing can still be opened for reading.
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cohort_schema';";
            var hasVersionTable = Convert.ToInt32(check.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
            check.CommandText = "SELECT coalesce(max(version), 0) FROM cohort_schema;";
            if (hasVersionTable && Convert.ToInt32(check.ExecuteScalar(), CultureInfo.InvariantCulture) == SqliteSchema.LatestVersion)
            {
                Log.Opened(_logger, Path, SqliteSchema.LatestVersion);
                return;
            }
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, SqliteSchema.CreateVersionTable);
        using var versionCommand = connection.CreateCommand();
        versionCommand.Transaction = transaction;
        versionCommand.CommandText = "SELECT coalesce(max(version), 0) FROM cohort_schema;";
        var version = Convert.ToInt32(versionCommand.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > SqliteSchema.LatestVersion)
        {
            throw new CohortException(
                $"The SQLite store '{Path}' has schema version {version}, newer than this version of Cohort knows ({SqliteSchema.LatestVersion}); upgrade Cohort.Storage.Sqlite.");
        }

        for (var next = version + 1; next <= SqliteSchema.LatestVersion; next++)
        {
            var (description, sql) = SqliteSchema.Migrations[next - 1];
            Execute(connection, transaction, sql);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO cohort_schema (version, description) VALUES ($version, $description);";
            record.Parameters.AddWithValue("$version", next);
            record.Parameters.AddWithValue("$description", description);
            record.ExecuteNonQuery();
            Log.Migrated(_logger, Path, next, description);
        }

        transaction.Commit();
        Log.Opened(_logger, Path, SqliteSchema.LatestVersion);
    }

    private void PrepareCommands(SqliteConnection connection)
    {
        _upsert = Command(
            connection,
            "INSERT INTO points (series_id, time, field_id, value) VALUES ($series, $time, $field, $value) " +
            "ON CONFLICT (series_id, time, field_id) DO UPDATE SET value = excluded.value;",
            "$series", "$time", "$field", "$value");
        _findSeries = Command(connection, "SELECT id FROM series WHERE tenant = $tenant AND measurement = $measurement AND tags = $tags;", "$tenant", "$measurement", "$tags");
        _insertSeries = Command(
            connection,
            "INSERT INTO series (tenant, measurement, tags, tags_json) VALUES ($tenant, $measurement, $tags, $json) RETURNING id;",
            "$tenant", "$measurement", "$tags", "$json");
        _findField = Command(connection, "SELECT id, kind FROM fields WHERE tenant = $tenant AND measurement = $measurement AND field = $field;", "$tenant", "$measurement", "$field");
        _insertField = Command(
            connection,
            "INSERT INTO fields (tenant, measurement, field, kind) VALUES ($tenant, $measurement, $field, $kind) RETURNING id;",
            "$tenant", "$measurement", "$field", "$kind");
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private WriteResult Write(SqliteConnection connection, Tenant tenant, PointBatch batch, CancellationToken cancellationToken)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var upsert = _upsert!;
        upsert.Transaction = transaction;
        _findSeries!.Transaction = transaction;
        _insertSeries!.Transaction = transaction;
        _findField!.Transaction = transaction;
        _insertField!.Transaction = transaction;
        var seriesParameter = upsert.Parameters[0];
        var timeParameter = upsert.Parameters[1];
        var fieldParameter = upsert.Parameters[2];
        var valueParameter = upsert.Parameters[3];

        var kinds = batch.Kinds;
        var rawValues = batch.RawValues;
        var batchSeries = batch.SeriesIds;
        var batchFields = batch.FieldIds;
        var timestamps = batch.Timestamps;

        // Ids are bound as boxed longs: box each series and field id once per batch, not once per row.
        var seriesIds = new object?[batch.SeriesCount];
        var fieldsByRowKey = new Dictionary<long, (FieldDefinition Definition, object BoxedId)>();
        List<Rejection>? rejections = null;
        var written = 0;
        var rowCount = batch.ValueCount;
        for (var row = 0; row < rowCount; row++)
        {
            if (row % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var kind = kinds[row];
            var raw = rawValues[row];
            var seriesIndex = batchSeries[row];
            var fieldIndex = batchFields[row];
            if (kind == FieldKind.Double && !double.IsFinite(BitConverter.Int64BitsToDouble(raw)))
            {
                (rejections ??= []).Add(new Rejection(
                    $"The value of field '{batch.GetFieldKey(fieldIndex)}' is {BitConverter.Int64BitsToDouble(raw).ToString(CultureInfo.InvariantCulture)}; stores keep finite numbers only.")
                {
                    Index = row,
                    Field = batch.GetFieldKey(fieldIndex),
                });
                continue;
            }

            var seriesId = seriesIds[seriesIndex] ??= ResolveSeries(tenant, batch.GetSeries(seriesIndex));
            var rowKey = ((long)seriesIndex << 32) | (uint)fieldIndex;
            if (!fieldsByRowKey.TryGetValue(rowKey, out var field))
            {
                var definition = ResolveField(tenant, batch.GetSeries(seriesIndex).Measurement, batch.GetFieldKey(fieldIndex), kind);
                field = fieldsByRowKey[rowKey] = (definition, definition.Id);
            }

            if (field.Definition.Kind != kind)
            {
                var measurement = batch.GetSeries(seriesIndex).Measurement;
                (rejections ??= []).Add(new Rejection(
                    $"Field '{batch.GetFieldKey(fieldIndex)}' of measurement '{measurement}' holds {field.Definition.Kind} values; a {kind} value cannot be stored (a field keeps its first type within a measurement).")
                {
                    Index = row,
                    Field = batch.GetFieldKey(fieldIndex),
                    Record = batch.GetValue(row).ToString(),
                });
                continue;
            }

            seriesParameter.Value = seriesId;
            timeParameter.Value = timestamps[row];
            fieldParameter.Value = field.BoxedId;
            valueParameter.Value = kind switch
            {
                FieldKind.Double => BitConverter.Int64BitsToDouble(raw),
                FieldKind.String => batch.GetValue(row).AsString(),
                _ => raw,
            };
            upsert.ExecuteNonQuery();
            written++;
        }

        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        Log.Wrote(_logger, Path, written, rejections?.Count ?? 0);
        return rejections is null ? WriteResult.Success(written) : new WriteResult(written, [.. rejections]);
    }

    private int DeleteBefore(SqliteConnection connection, Tenant tenant, long before)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$tenant", tenant.Id);
        command.Parameters.AddWithValue("$before", before);

        // The key (series_id, time, field_id) makes this a range scan per series of the tenant.
        command.CommandText = "DELETE FROM points WHERE series_id IN (SELECT id FROM series WHERE tenant = $tenant) AND time < $before;";
        var deleted = command.ExecuteNonQuery();

        // Series and field rows stay: a writer in another process may hold their ids, and an emptied series has no
        // points to read. Fields keep their kind (a field keeps its first type within a measurement).
        transaction.Commit();
        Log.Deleted(_logger, Path, deleted, before);
        return deleted;
    }

    private long ResolveSeries(Tenant tenant, SeriesKey series)
    {
        var key = new SeriesCacheKey(tenant.Id, series);
        if (_seriesIds.TryGetValue(key, out var id))
        {
            return id;
        }

        var canonical = series.Tags.ToCanonicalString();
        var find = _findSeries!;
        find.Parameters[0].Value = tenant.Id;
        find.Parameters[1].Value = series.Measurement;
        find.Parameters[2].Value = canonical;
        var found = find.ExecuteScalar();
        if (found is long existing)
        {
            id = existing;
        }
        else
        {
            var insert = _insertSeries!;
            insert.Parameters[0].Value = tenant.Id;
            insert.Parameters[1].Value = series.Measurement;
            insert.Parameters[2].Value = canonical;
            insert.Parameters[3].Value = SeriesText.ToJson(series.Tags);
            id = (long)insert.ExecuteScalar()!;
        }

        _seriesIds[key] = id;
        return id;
    }

    private FieldDefinition ResolveField(Tenant tenant, string measurement, string fieldKey, FieldKind kind)
    {
        var key = new FieldCacheKey(tenant.Id, measurement, fieldKey);
        if (_fields.TryGetValue(key, out var field))
        {
            return field;
        }

        var find = _findField!;
        find.Parameters[0].Value = tenant.Id;
        find.Parameters[1].Value = measurement;
        find.Parameters[2].Value = fieldKey;
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                field = new FieldDefinition(reader.GetInt64(0), (FieldKind)reader.GetInt32(1));
            }
        }

        if (field.Id == 0)
        {
            var insert = _insertField!;
            insert.Parameters[0].Value = tenant.Id;
            insert.Parameters[1].Value = measurement;
            insert.Parameters[2].Value = fieldKey;
            insert.Parameters[3].Value = (int)kind;
            field = new FieldDefinition((long)insert.ExecuteScalar()!, kind);
        }

        _fields[key] = field;
        return field;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void CloseConnection()
    {
        _seriesIds.Clear();
        _fields.Clear();
        foreach (var command in new[] { _upsert, _findSeries, _insertSeries, _findField, _insertField })
        {
            command?.Dispose();
        }

        _upsert = _findSeries = _insertSeries = _findField = _insertField = null;
        _connection?.Dispose();
        _connection = null;
    }

    private readonly record struct SeriesCacheKey(string Tenant, SeriesKey Series);

    private readonly record struct FieldCacheKey(string Tenant, string Measurement, string Field);
}

/// <summary>A field's id and the kind its values have within its measurement.</summary>
internal readonly record struct FieldDefinition(long Id, FieldKind Kind);
