using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Cohort.Core;
using Cohort.Core.LineProtocol;

namespace Cohort.Devices.Edge.Forwarding;

/// <summary>
/// One reading as a durable-log record: <c>u16 name length, device name (UTF-8), i64 timestamp (Unix ns), line
/// protocol line</c>. The line's measurement is the device name (as in field references <c>device.field</c>).
/// </summary>
internal static class ReadingRecord
{
    private const int HeaderSize = 2 + 8;

    /// <summary>Encodes a reading; returns the number of fields the line protocol writer could not carry (NaN, infinities), or -1 when nothing remains to write.</summary>
    public static int Encode(DeviceReading reading, ArrayBufferWriter<byte> output)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(reading.DeviceName);
        var header = output.GetSpan(HeaderSize + nameBytes);
        BinaryPrimitives.WriteUInt16LittleEndian(header, checked((ushort)nameBytes));
        Encoding.UTF8.GetBytes(reading.DeviceName, header[2..]);
        BinaryPrimitives.WriteInt64LittleEndian(header[(2 + nameBytes)..], reading.Timestamp);
        output.Advance(HeaderSize + nameBytes);
        var start = output.WrittenCount;
        var point = new Point(reading.DeviceName, TagSet.Empty, reading.Fields, reading.Timestamp);
        var result = LineProtocolWriter.Default.Write(point, output);
        return output.WrittenCount == start ? -1 : result.Rejections.Length;
    }

    /// <summary>Splits a record into its device name, timestamp and line.</summary>
    public static (string Device, long Timestamp, ReadOnlyMemory<byte> Line) Decode(ReadOnlyMemory<byte> record)
    {
        var span = record.Span;
        if (span.Length < HeaderSize)
        {
            throw new InvalidDataException("An edge reading record is shorter than its header.");
        }

        var nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (span.Length < HeaderSize + nameBytes)
        {
            throw new InvalidDataException("An edge reading record is shorter than its device name.");
        }

        var device = Encoding.UTF8.GetString(span.Slice(2, nameBytes));
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(span[(2 + nameBytes)..]);
        return (device, timestamp, record[(HeaderSize + nameBytes)..]);
    }
}
