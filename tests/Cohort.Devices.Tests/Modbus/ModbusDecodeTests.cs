using System.Buffers.Binary;
using Cohort.Devices.Drivers.Modbus;
using FsCheck;
using FsCheck.Xunit;

namespace Cohort.Devices.Tests.Modbus;

public sealed class ModbusDecodeTests
{
    private static ushort[] Words(uint bits, bool swapped)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, bits);
        var high = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var low = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        return swapped ? [low, high] : [high, low];
    }

    [Property]
    public bool Int32_round_trips_in_both_word_orders(DoNotSize<int> value, bool swapped) =>
        ModbusDriver.Decode(Words(unchecked((uint)value.Item), swapped), ModbusDataType.Int32, swapped) == value.Item;

    [Property]
    public bool UInt32_round_trips_in_both_word_orders(DoNotSize<uint> value, bool swapped) =>
        ModbusDriver.Decode(Words(value.Item, swapped), ModbusDataType.UInt32, swapped) == value.Item;

    [Property]
    public bool Float32_round_trips_in_both_word_orders(float value, bool swapped)
    {
        var decoded = ModbusDriver.Decode(Words(BitConverter.SingleToUInt32Bits(value), swapped), ModbusDataType.Float32, swapped);
        return float.IsNaN(value) ? double.IsNaN(decoded) : decoded == value;
    }

    [Property]
    public bool Int16_reads_the_register_as_twos_complement(DoNotSize<short> value) =>
        ModbusDriver.Decode([unchecked((ushort)value.Item)], ModbusDataType.Int16, swapped: false) == value.Item;
}
