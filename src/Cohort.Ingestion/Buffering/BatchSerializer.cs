using System.Buffers.Binary;
using System.Text;
using Cohort.Core;

namespace Cohort.Ingestion.Buffering;

/// <summary>
/// The compact binary form of a tenant's <see cref="PointBatch"/> in the write-ahead log (payload version 1):
/// a series table, a field-key table and the columns, with delta-encoded timestamps and variable-length integers.
/// See docs/ingestion.md for the layout byte by byte.
/// </summary>
internal static class BatchSerializer
{
    /// <summary>The payload version this code writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>Appends the payload of a batch to <paramref name="writer"/>.</summary>
    public static void Write(ByteWriter writer, Tenant tenant, PointBatch batch)
    {
        writer.WriteByte(Version);
        writer.WriteString(tenant.Id);
        writer.WriteVarUInt((ulong)batch.SeriesCount);
        for (var i = 0; i < batch.SeriesCount; i++)
        {
            var series = batch.GetSeries(i);
            writer.WriteString(series.Measurement);
            writer.WriteVarUInt((ulong)series.Tags.Count);
            foreach (var tag in series.Tags)
            {
                writer.WriteString(tag.Key);
                writer.WriteString(tag.Value);
            }
        }

        var fieldCount = 0;
        foreach (var id in batch.FieldIds)
        {
            fieldCount = Math.Max(fieldCount, id + 1);
        }

        writer.WriteVarUInt((ulong)fieldCount);
        for (var i = 0; i < fieldCount; i++)
        {
            writer.WriteString(batch.GetFieldKey(i));
        }

        var rows = batch.ValueCount;
        writer.WriteVarUInt((ulong)rows);
        var previous = 0L;
        foreach (var timestamp in batch.Timestamps)
        {
            writer.WriteVarInt(unchecked(timestamp - previous));
            previous = timestamp;
        }

        foreach (var id in batch.SeriesIds)
        {
            writer.WriteVarUInt((uint)id);
        }

        foreach (var id in batch.FieldIds)
        {
            writer.WriteVarUInt((uint)id);
        }

        var kinds = batch.Kinds;
        writer.WriteBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(kinds));
        var values = batch.RawValues;
        for (var row = 0; row < rows; row++)
        {
            switch (kinds[row])
            {
                case FieldKind.Double:
                    writer.WriteInt64LittleEndian(values[row]);
                    break;
                case FieldKind.Int64:
                    writer.WriteVarInt(values[row]);
                    break;
                case FieldKind.UInt64:
                    writer.WriteVarUInt(unchecked((ulong)values[row]));
                    break;
                case FieldKind.Boolean:
                    writer.WriteByte(values[row] != 0 ? (byte)1 : (byte)0);
                    break;
                default:
                    writer.WriteString(batch.GetValue(row).AsString());
                    break;
            }
        }
    }

    /// <summary>Reads only the tenant of a payload.</summary>
    public static Tenant ReadTenant(ReadOnlySpan<byte> payload)
    {
        var reader = new ByteReader(payload);
        CheckVersion(reader.ReadByte());
        return new Tenant(reader.ReadString());
    }

    /// <summary>Appends the rows of a payload to <paramref name="target"/>, returning the payload's tenant.</summary>
    /// <exception cref="InvalidDataException">The payload is malformed or of an unknown version.</exception>
    public static Tenant ReadInto(ReadOnlySpan<byte> payload, PointBatch target)
    {
        try
        {
            return ReadCore(payload, target);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException("A write-ahead log record holds an invalid batch.", ex);
        }
    }

    private static Tenant ReadCore(ReadOnlySpan<byte> payload, PointBatch target)
    {
        var reader = new ByteReader(payload);
        CheckVersion(reader.ReadByte());
        var tenant = new Tenant(reader.ReadString());
        var seriesCount = reader.ReadCount();
        var seriesMap = new int[seriesCount];
        var tags = new List<Tag>();
        for (var i = 0; i < seriesCount; i++)
        {
            var measurement = reader.ReadString();
            var tagCount = reader.ReadCount();
            tags.Clear();
            for (var t = 0; t < tagCount; t++)
            {
                var key = reader.ReadString();
                tags.Add(new Tag(key, reader.ReadString()));
            }

            seriesMap[i] = target.InternSeries(new SeriesKey(measurement, tagCount == 0 ? TagSet.Empty : TagSet.Create(tags)));
        }

        var fieldCount = reader.ReadCount();
        var fieldMap = new int[fieldCount];
        for (var i = 0; i < fieldCount; i++)
        {
            fieldMap[i] = target.InternField(reader.ReadString());
        }

        var rows = reader.ReadCount();
        var timestamps = new long[rows];
        var previous = 0L;
        for (var row = 0; row < rows; row++)
        {
            previous = unchecked(previous + reader.ReadVarInt());
            timestamps[row] = previous;
        }

        var seriesIds = new int[rows];
        for (var row = 0; row < rows; row++)
        {
            seriesIds[row] = seriesMap[reader.ReadIndex(seriesCount)];
        }

        var fieldIds = new int[rows];
        for (var row = 0; row < rows; row++)
        {
            fieldIds[row] = fieldMap[reader.ReadIndex(fieldCount)];
        }

        var kinds = reader.ReadBytes(rows);
        for (var row = 0; row < rows; row++)
        {
            var value = (FieldKind)kinds[row] switch
            {
                FieldKind.Double => FieldValue.FromRaw(FieldKind.Double, reader.ReadInt64LittleEndian(), null),
                FieldKind.Int64 => FieldValue.FromInt64(reader.ReadVarInt()),
                FieldKind.UInt64 => FieldValue.FromUInt64(reader.ReadVarUInt()),
                FieldKind.Boolean => FieldValue.FromBoolean(reader.ReadByte() != 0),
                FieldKind.String => FieldValue.FromString(reader.ReadString()),
                _ => throw new InvalidDataException($"Unknown field kind {kinds[row]} in a write-ahead log record."),
            };
            target.Add(seriesIds[row], fieldIds[row], timestamps[row], value);
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException("A write-ahead log record has bytes after its batch.");
        }

        return tenant;
    }

    private static void CheckVersion(byte version)
    {
        if (version != Version)
        {
            throw new InvalidDataException($"Write-ahead log record version {version} is not supported (expected {Version}).");
        }
    }
}

/// <summary>A growable byte buffer with the primitive writes of the log formats.</summary>
internal sealed class ByteWriter
{
    private byte[] _buffer;

    public ByteWriter(int capacity = 4096) => _buffer = new byte[Math.Max(capacity, 16)];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public Span<byte> WrittenSpanMutable => _buffer.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[Length++] = value;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    public void WriteUInt32LittleEndian(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(Length), value);
        Length += 4;
    }

    public void WriteInt64LittleEndian(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(Length), value);
        Length += 8;
    }

    public void WriteVarUInt(ulong value)
    {
        Ensure(10);
        var buffer = _buffer;
        var i = Length;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[i++] = (byte)value;
        Length = i;
    }

    /// <summary>A signed integer, zig-zag encoded so small magnitudes take few bytes.</summary>
    public void WriteVarInt(long value) => WriteVarUInt(unchecked((ulong)((value << 1) ^ (value >> 63))));

    public void WriteString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Ensure(max + 5);
        if (value.Length < 128 && max < 128)
        {
            var written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(Length + 1));
            _buffer[Length] = (byte)written;
            Length += written + 1;
            return;
        }

        WriteVarUInt((ulong)Encoding.UTF8.GetByteCount(value));
        Length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(Length));
    }

    /// <summary>Reserves <paramref name="count"/> bytes to fill in later, returning their offset.</summary>
    public int Reserve(int count)
    {
        Ensure(count);
        var offset = Length;
        Length += count;
        return offset;
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - Length < count)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }
    }
}

/// <summary>Reads what <see cref="ByteWriter"/> wrote; malformed input throws <see cref="InvalidDataException"/>.</summary>
internal ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ByteReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool AtEnd => _position == _data.Length;

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Truncated();
        }

        return _data[_position++];
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || _data.Length - _position < count)
        {
            throw Truncated();
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public long ReadInt64LittleEndian() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("A variable-length integer is too long.");
    }

    public long ReadVarInt()
    {
        var raw = ReadVarUInt();
        return unchecked((long)(raw >> 1) ^ -(long)(raw & 1));
    }

    /// <summary>A count that must fit the remaining bytes (each counted item takes at least one byte).</summary>
    public int ReadCount()
    {
        var count = ReadVarUInt();
        if (count > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException("A count in a write-ahead log record exceeds the record.");
        }

        return (int)count;
    }

    public int ReadIndex(int limit)
    {
        var index = ReadVarUInt();
        if (index >= (ulong)limit)
        {
            throw new InvalidDataException("An index in a write-ahead log record is out of range.");
        }

        return (int)index;
    }

    public string ReadString()
    {
        var length = ReadCount();
        return Encoding.UTF8.GetString(ReadBytes(length));
    }

    private static InvalidDataException Truncated() => new("A write-ahead log record is truncated.");
}
