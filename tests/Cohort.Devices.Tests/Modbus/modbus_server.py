"""A pymodbus TCP server with a known register map, for the Cohort.Devices Modbus tests.

Usage: /usr/bin/python3 modbus_server.py PORT

Unit 1 holds the values below in holding registers (function 3) and the same layout, each value negated where it
has a sign, in input registers (function 4) from address 100. Every value is encoded here with Python's struct
module, independently of the C# decoder under test. Unit 1 has 200 registers: any read beyond them answers with
exception code 2 (illegal data address).
"""
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartTcpServer


def words(fmt, value, swapped):
    raw = struct.pack(">" + fmt, value)
    regs = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
    if swapped and len(regs) == 2:
        regs = [regs[1], regs[0]]
    return regs


def layout(sign):
    """Address -> registers. sign is 1 for holding registers, -1 for input registers."""
    regs = [0] * 100
    def put(address, values):
        regs[address:address + len(values)] = values
    put(0, words("h", -1234 * sign, False))             # int16
    put(1, words("H", 54321 if sign > 0 else 12345, False))  # uint16
    put(2, words("i", -123456789 * sign, False))        # int32 ABCD
    put(4, words("i", -123456789 * sign, True))         # int32 CDAB
    put(6, words("I", 3000000000 if sign > 0 else 4000000000, False))  # uint32 ABCD
    put(8, words("I", 3000000000 if sign > 0 else 4000000000, True))   # uint32 CDAB
    put(10, words("f", 1234.5 * sign, False))           # float32 ABCD
    put(12, words("f", -0.15625 * sign, True))          # float32 CDAB
    put(14, words("H", 2305, False))                    # uint16 for scale 0.1 offset -10 -> 220.5
    put(15, words("i", 70000 * sign, True))             # int32 CDAB for scale 0.001 -> 70.0
    return regs


def main():
    port = int(sys.argv[1])
    holding = layout(1) + [0] * 100
    inputs = [0] * 100 + layout(-1)
    unit = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, inputs),
        zero_mode=True,
    )
    context = ModbusServerContext(slaves={1: unit}, single=False)
    StartTcpServer(context=context, address=("127.0.0.1", port), allow_reuse_address=True)


if __name__ == "__main__":
    main()
