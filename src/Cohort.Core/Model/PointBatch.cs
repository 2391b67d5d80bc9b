using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cohort.Core.LineProtocol;

namespace Cohort.Core;

/// <summary>
/// Points in columns, for hot paths: one row per field value, with the timestamp, an interned series id, an
/// interned field key id, the value's kind and its raw 64 bits in parallel arrays. Millions of values move through
/// a batch without an object each; only string values hold references.
/// </summary>
/// <remarks>
/// <para>Rows of the same point (same series and timestamp) are adjacent: <see cref="Add(Point)"/> writes them
/// so, and <see cref="ToPoints"/> groups adjacent rows back into points.</para>
/// <para>A batch is not thread-safe. Reuse one with <see cref="Clear"/>: the rows go, the interned series and
/// field keys stay, so a reused batch allocates nothing for series it has seen before.</para>
/// </remarks>
public sealed class PointBatch
{
    private const int DefaultCapacity = 16;

    private readonly List<SeriesKey> _series = [];
    private readonly Dictionary<SeriesKey, int> _seriesIds = [];
    private readonly List<string> _fieldKeys = [];
    private readonly Dictionary<string, int> _fieldIds = new(StringComparer.Ordinal);

    private long[] _timestamps;
    private int[] _seriesColumn;
    private int[] _fieldColumn;
    private FieldKind[] _kinds;
    private long[] _values;
    private string?[]? _strings;
    private int _count;
    private int _pointCount;

    /// <summary>Creates an empty batch with room for <paramref name="capacity"/> field values.</summary>
    public PointBatch(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        capacity = Math.Max(capacity, 1);
        _timestamps = new long[capacity];
        _seriesColumn = new int[capacity];
        _fieldColumn = new int[capacity];
        _kinds = new FieldKind[capacity];
        _values = new long[capacity];
    }

    /// <summary>Creates a batch holding these points.</summary>
    public static PointBatch FromPoints(IEnumerable<Point> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var batch = new PointBatch();
        foreach (var point in points)
        {
            batch.Add(point);
        }

        return batch;
    }

    /// <summary>The number of field values (rows).</summary>
    public int ValueCount => _count;

    /// <summary>The number of points: runs of adjacent rows with the same series and timestamp.</summary>
    public int PointCount => _pointCount;

    /// <summary>Whether the batch holds no rows.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The number of interned series.</summary>
    public int SeriesCount => _series.Count;

    /// <summary>The timestamp (Unix ns) of each row.</summary>
    public ReadOnlySpan<long> Timestamps => _timestamps.AsSpan(0, _count);

    /// <summary>The interned series id of each row; see <see cref="GetSeries"/>.</summary>
    public ReadOnlySpan<int> SeriesIds => _seriesColumn.AsSpan(0, _count);

    /// <summary>The interned field key id of each row; see <see cref="GetFieldKey"/>.</summary>
    public ReadOnlySpan<int> FieldIds => _fieldColumn.AsSpan(0, _count);

    /// <summary>The kind of each row's value.</summary>
    public ReadOnlySpan<FieldKind> Kinds => _kinds.AsSpan(0, _count);

    /// <summary>The raw 64 bits of each row's value (see <see cref="FieldValue.RawBits"/>).</summary>
    public ReadOnlySpan<long> RawValues => _values.AsSpan(0, _count);

    /// <summary>The series with this id.</summary>
    public SeriesKey GetSeries(int seriesId) => _series[seriesId];

    /// <summary>The field key with this id.</summary>
    public string GetFieldKey(int fieldId) => _fieldKeys[fieldId];

    /// <summary>The value of one row.</summary>
    public FieldValue GetValue(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)_count, nameof(row));
        return FieldValue.FromRaw(_kinds[row], _values[row], _strings?[row]);
    }

    /// <summary>The id of a series, interning it when new.</summary>
    public int InternSeries(SeriesKey series)
    {
        ArgumentNullException.ThrowIfNull(series);
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_seriesIds, series, out var exists);
        if (!exists)
        {
            id = _series.Count;
            _series.Add(series);
        }

        return id;
    }

    /// <summary>The id of a field key, interning it when new.</summary>
    public int InternField(string fieldKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldKey);
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_fieldIds, fieldKey, out var exists);
        if (!exists)
        {
            id = _fieldKeys.Count;
            _fieldKeys.Add(fieldKey);
        }

        return id;
    }

    /// <summary>Adds one field value of an interned series.</summary>
    public void Add(int seriesId, int fieldId, long timestamp, FieldValue value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)seriesId, (uint)_series.Count, nameof(seriesId));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)fieldId, (uint)_fieldKeys.Count, nameof(fieldId));
        AddRow(seriesId, fieldId, timestamp, value.Kind, value.RawBits, value.Kind == FieldKind.String ? value.AsString() : null);
    }

    /// <summary>Adds a point: one row per field, adjacent.</summary>
    public void Add(Point point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var seriesId = InternSeries(point.Series);

        // A point always starts a new run, even when the previous row has the same series and timestamp.
        var first = true;
        foreach (var field in point.Fields)
        {
            var fieldId = InternField(field.Key);
            var value = field.Value;
            AddRow(seriesId, fieldId, point.Timestamp, value.Kind, value.RawBits, value.Kind == FieldKind.String ? value.AsString() : null, forceNewPoint: first);
            first = false;
        }
    }

    /// <summary>Adds every row of another batch, re-interning its series and field keys.</summary>
    public void AddRange(PointBatch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var seriesMap = new int[other._series.Count];
        for (var i = 0; i < seriesMap.Length; i++)
        {
            seriesMap[i] = InternSeries(other._series[i]);
        }

        var fieldMap = new int[other._fieldKeys.Count];
        for (var i = 0; i < fieldMap.Length; i++)
        {
            fieldMap[i] = InternField(other._fieldKeys[i]);
        }

        for (var row = 0; row < other._count; row++)
        {
            AddRow(seriesMap[other._seriesColumn[row]], fieldMap[other._fieldColumn[row]], other._timestamps[row], other._kinds[row], other._values[row], other._strings?[row], other.StartsPoint(row));
        }
    }

    /// <summary>Removes every row; keeps the interned series and field keys and the arrays' capacity.</summary>
    public void Clear()
    {
        if (_strings is not null)
        {
            Array.Clear(_strings, 0, _count);
        }

        _count = 0;
        _pointCount = 0;
    }

    /// <summary>Removes every row and forgets the interned series and field keys.</summary>
    public void Reset()
    {
        Clear();
        _series.Clear();
        _seriesIds.Clear();
        _fieldKeys.Clear();
        _fieldIds.Clear();
        _lineProtocol?.Clear();
    }

    /// <summary>The rows grouped back into points (adjacent rows with the same series and timestamp).</summary>
    public IEnumerable<Point> ToPoints()
    {
        var fields = new List<Field>();
        var start = 0;
        for (var row = 1; row <= _count; row++)
        {
            if (row == _count || StartsPoint(row))
            {
                fields.Clear();
                for (var r = start; r < row; r++)
                {
                    fields.Add(new Field(_fieldKeys[_fieldColumn[r]], GetValue(r)));
                }

                yield return new Point(_series[_seriesColumn[start]], MergeDuplicateKeys(fields), _timestamps[start]);
                start = row;
            }
        }
    }

    /// <summary>A new batch with the rows for which <paramref name="keep"/> returns true.</summary>
    public PointBatch Where(Func<PointBatch, int, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var result = new PointBatch(Math.Max(_count, 1));
        var seriesMap = new int[_series.Count];
        Array.Fill(seriesMap, -1);
        var fieldMap = new int[_fieldKeys.Count];
        Array.Fill(fieldMap, -1);
        for (var row = 0; row < _count; row++)
        {
            if (!keep(this, row))
            {
                continue;
            }

            ref var s = ref seriesMap[_seriesColumn[row]];
            if (s < 0)
            {
                s = result.InternSeries(_series[_seriesColumn[row]]);
            }

            ref var f = ref fieldMap[_fieldColumn[row]];
            if (f < 0)
            {
                f = result.InternField(_fieldKeys[_fieldColumn[row]]);
            }

            result.AddRow(s, f, _timestamps[row], _kinds[row], _values[row], _strings?[row], StartsPoint(row));
        }

        return result;
    }

    /// <summary>Whether a row starts a new point.</summary>
    internal bool StartsPoint(int row) => _pointStarts is not null
        ? _pointStarts[row]
        : row == 0 || _seriesColumn[row] != _seriesColumn[row - 1] || _timestamps[row] != _timestamps[row - 1];

    private bool[]? _pointStarts;

    private LineProtocolCache? _lineProtocol;

    /// <summary>The line protocol reader's and writer's state for this batch; lives until <see cref="Reset"/>.</summary>
    internal LineProtocolCache LineProtocol => _lineProtocol ??= new LineProtocolCache();

    /// <summary>The number of interned field keys (for caches indexed by field id).</summary>
    internal int FieldKeyCount => _fieldKeys.Count;

    /// <summary>Adds a row from its raw parts; used by readers that parse straight into the columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddRow(int seriesId, int fieldId, long timestamp, FieldKind kind, long bits, string? text, bool forceNewPoint = false)
    {
        if (_count == _timestamps.Length)
        {
            Grow();
        }

        var row = _count;
        var newPoint = row == 0 || forceNewPoint || _seriesColumn[row - 1] != seriesId || _timestamps[row - 1] != timestamp;
        if (forceNewPoint && row > 0 && _seriesColumn[row - 1] == seriesId && _timestamps[row - 1] == timestamp)
        {
            // Two points of the same series and timestamp in a row: remember the boundary explicitly.
            _pointStarts ??= MarkImplicitStarts();
        }

        if (_pointStarts is not null)
        {
            if (_pointStarts.Length < _timestamps.Length)
            {
                Array.Resize(ref _pointStarts, _timestamps.Length);
            }

            _pointStarts[row] = newPoint;
        }

        _timestamps[row] = timestamp;
        _seriesColumn[row] = seriesId;
        _fieldColumn[row] = fieldId;
        _kinds[row] = kind;
        _values[row] = bits;
        if (text is not null)
        {
            _strings ??= new string?[_timestamps.Length];
            _strings[row] = text;
        }

        if (newPoint)
        {
            _pointCount++;
        }

        _count = row + 1;
    }

    private bool[] MarkImplicitStarts()
    {
        var starts = new bool[_timestamps.Length];
        for (var row = 0; row < _count; row++)
        {
            starts[row] = row == 0 || _seriesColumn[row] != _seriesColumn[row - 1] || _timestamps[row] != _timestamps[row - 1];
        }

        return starts;
    }

    private void Grow()
    {
        var size = _timestamps.Length * 2;
        Array.Resize(ref _timestamps, size);
        Array.Resize(ref _seriesColumn, size);
        Array.Resize(ref _fieldColumn, size);
        Array.Resize(ref _kinds, size);
        Array.Resize(ref _values, size);
        if (_strings is not null)
        {
            Array.Resize(ref _strings, size);
        }

        if (_pointStarts is not null)
        {
            Array.Resize(ref _pointStarts, size);
        }
    }

    private static List<Field> MergeDuplicateKeys(List<Field> fields)
    {
        // Within one point a field key given twice keeps its last value, in the place of its first (as InfluxDB does).
        var merged = new List<Field>(fields.Count);
        foreach (var field in fields)
        {
            var index = merged.FindIndex(f => string.Equals(f.Key, field.Key, StringComparison.Ordinal));
            if (index >= 0)
            {
                merged[index] = field;
            }
            else
            {
                merged.Add(field);
            }
        }

        return merged;
    }
}
