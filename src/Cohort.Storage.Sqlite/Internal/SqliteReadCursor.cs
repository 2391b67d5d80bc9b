using System.Globalization;
using System.Text;
using Cohort.Core;
using Microsoft.Data.Sqlite;

namespace Cohort.Storage.Sqlite.Internal;

/// <summary>
/// Streams one query's points from a WAL snapshot: the matching series in contract order (measurement, then
/// canonical tags, ordinal), and for each a range scan of the points key (series, time, field), grouped by time.
/// </summary>
internal sealed class SqliteReadCursor : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly Tenant _tenant;
    private readonly PointQuery _query;
    private readonly List<Field> _fields = [];

    private SqliteConnection? _connection;
    private SqliteTransaction? _transaction;
    private List<SeriesRow>? _series;
    private Dictionary<long, FieldDefinitionRow>? _fieldDefinitions;
    private int _seriesIndex = -1;
    private SqliteCommand? _command;
    private SqliteDataReader? _reader;

    public SqliteReadCursor(SqliteDatabase database, Tenant tenant, PointQuery query)
    {
        _database = database;
        _tenant = tenant;
        _query = query;
    }

    public Point Current { get; private set; } = null!;

    public bool MoveNext(CancellationToken cancellationToken)
    {
        try
        {
            return MoveNextCore(cancellationToken);
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, _database.Path);
        }
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _command?.Dispose();
        _transaction?.Dispose();
        _connection?.Dispose();
    }

    private bool MoveNextCore(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_series is null)
        {
            Start();
        }

        while (true)
        {
            if (_reader is null && !OpenNextSeries(cancellationToken))
            {
                return false;
            }

            var reader = _reader!;
            var series = _series![_seriesIndex];
            var time = reader.GetInt64(0);
            _fields.Clear();
            bool more;
            do
            {
                var definition = _fieldDefinitions![reader.GetInt64(1)];
                _fields.Add(new Field(definition.Key, ReadValue(reader, definition.Kind)));
                more = reader.Read();
            }
            while (more && reader.GetInt64(0) == time);

            if (!more)
            {
                CloseSeries();
            }

            if (_fields.Count > 1)
            {
                _fields.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            }

            Current = new Point(series.Key, _fields, time);
            return true;
        }
    }

    private static FieldValue ReadValue(SqliteDataReader reader, FieldKind kind) => kind switch
    {
        FieldKind.Double => FieldValue.FromDouble(reader.GetDouble(2)),
        FieldKind.Int64 => FieldValue.FromInt64(reader.GetInt64(2)),
        FieldKind.UInt64 => FieldValue.FromUInt64(unchecked((ulong)reader.GetInt64(2))),
        FieldKind.Boolean => FieldValue.FromBoolean(reader.GetInt64(2) != 0),
        _ => FieldValue.FromString(reader.GetString(2)),
    };

    private void Start()
    {
        _connection = new SqliteConnection(_database.ReadConnectionString);
        _connection.Open();
        using (var pragma = _connection.CreateCommand())
        {
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_database.BusyTimeoutMilliseconds};");
            pragma.ExecuteNonQuery();
        }

        // One deferred transaction: every statement of this read sees the same WAL snapshot.
        _transaction = _connection.BeginTransaction(deferred: true);

        _fieldDefinitions = [];
        var wanted = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        using (var command = CreateCommand("SELECT id, measurement, field, kind FROM fields WHERE tenant = $tenant"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var measurement = reader.GetString(1);
                var key = reader.GetString(2);
                _fieldDefinitions[reader.GetInt64(0)] = new FieldDefinitionRow(key, (FieldKind)reader.GetInt32(3));
                if (_query.WantsField(key))
                {
                    if (!wanted.TryGetValue(measurement, out var ids))
                    {
                        wanted[measurement] = ids = [];
                    }

                    ids.Add(reader.GetInt64(0));
                }
            }
        }

        _series = [];
        using (var command = CreateCommand("SELECT id, measurement, tags_json FROM series WHERE tenant = $tenant"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var measurement = reader.GetString(1);
                if (!wanted.TryGetValue(measurement, out var fieldIds))
                {
                    continue;
                }

                var key = new SeriesKey(measurement, SeriesText.FromJson(reader.GetString(2)));
                if (_query.Matches(key))
                {
                    _series.Add(new SeriesRow(reader.GetInt64(0), key, _query.Fields.IsDefaultOrEmpty ? null : fieldIds));
                }
            }
        }

        _series.Sort(static (a, b) => SeriesKey.StoreOrder.Compare(a.Key, b.Key));
    }

    private SqliteCommand CreateCommand(string sql)
    {
        var command = _connection!.CreateCommand();
        command.Transaction = _transaction;
        if (_query.Measurement is not null)
        {
            sql += " AND measurement = $measurement";
            command.Parameters.AddWithValue("$measurement", _query.Measurement);
        }

        command.CommandText = sql + ";";
        command.Parameters.AddWithValue("$tenant", _tenant.Id);
        return command;
    }

    private bool OpenNextSeries(CancellationToken cancellationToken)
    {
        if (_query.Range.IsEmpty)
        {
            return false;
        }

        while (++_seriesIndex < _series!.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var series = _series[_seriesIndex];
            if (_command is null || series.FieldIds is not null)
            {
                _command?.Dispose();
                _command = _connection!.CreateCommand();
                _command.Transaction = _transaction;
                var sql = new StringBuilder("SELECT time, field_id, value FROM points WHERE series_id = $series AND time >= $start AND time < $end");
                if (series.FieldIds is not null)
                {
                    sql.Append(" AND field_id IN (").AppendJoin(',', series.FieldIds).Append(')');
                }

                _command.CommandText = sql.Append(" ORDER BY time, field_id;").ToString();
                _command.Parameters.Add(new SqliteParameter { ParameterName = "$series" });
                _command.Parameters.AddWithValue("$start", _query.Range.Start);
                _command.Parameters.AddWithValue("$end", _query.Range.End);
            }

            _command.Parameters[0].Value = series.Id;
            var reader = _command.ExecuteReader();
            if (reader.Read())
            {
                _reader = reader;
                return true;
            }

            reader.Dispose();
        }

        return false;
    }

    private void CloseSeries()
    {
        _reader?.Dispose();
        _reader = null;
    }

    private sealed record SeriesRow(long Id, SeriesKey Key, List<long>? FieldIds);

    private readonly record struct FieldDefinitionRow(string Key, FieldKind Kind);
}
