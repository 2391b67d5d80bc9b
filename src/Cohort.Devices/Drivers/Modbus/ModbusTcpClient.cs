using System.Buffers.Binary;
using System.Net.Sockets;

namespace Cohort.Devices.Drivers.Modbus;

/// <summary>Modbus function codes this client sends.</summary>
internal enum ModbusFunction : byte
{
    ReadHoldingRegisters = 3,
    ReadInputRegisters = 4,
}

/// <summary>
/// One Modbus TCP connection (Modbus application protocol v1.1b3 and Modbus messaging on TCP/IP v1.0b): MBAP header
/// with a transaction id per request, one request in flight at a time, the connection kept open between requests
/// and opened again after any failure. A request that fails on a reused connection is retried once on a fresh one,
/// so a server restart costs no reading.
/// </summary>
internal sealed class ModbusTcpClient : IAsyncDisposable, IDisposable
{
    private const int MbapLength = 7;
    private const int MaxRegistersPerRead = 125;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _request = new byte[12];
    private readonly byte[] _response = new byte[MbapLength + 253];
    private Socket? _socket;
    private NetworkStream? _stream;
    private ushort _transactionId;
    private bool _disposed;

    public ModbusTcpClient(string host, int port)
    {
        Host = host;
        Port = port;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>How many times a connection was opened (for tests and diagnostics).</summary>
    public int Connections { get; private set; }

    /// <summary>Reads <paramref name="count"/> registers from <paramref name="address"/> of a unit.</summary>
    public async ValueTask<ushort[]> ReadRegistersAsync(string deviceName, byte unitId, ModbusFunction function, ushort address, ushort count, CancellationToken cancellationToken)
    {
        if (count is 0 or > MaxRegistersPerRead)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A read covers 1 to 125 registers.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var attempt = 0; ; attempt++)
            {
                var reused = _stream is not null;
                try
                {
                    var stream = _stream ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
                    return await ExchangeAsync(stream, deviceName, unitId, function, address, count, cancellationToken).ConfigureAwait(false);
                }
                catch (ModbusException)
                {
                    throw; // an exception response leaves the connection in step
                }
                catch (OperationCanceledException)
                {
                    Reset(); // a late answer would otherwise be taken for the next request's
                    throw;
                }
                catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or ObjectDisposedException or ProtocolViolation)
                {
                    Reset();
                    if (reused && attempt == 0 && ex is not ProtocolViolation)
                    {
                        continue;
                    }

                    var why = ex is ProtocolViolation ? ex.Message : $"cannot talk to {Host}:{Port}: {ex.Message}";
                    throw new DeviceException(deviceName, why, isTransient: true, ex);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            Reset();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            Reset();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private async ValueTask<NetworkStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Host, Port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Connections++;
        return _stream;
    }

    private async ValueTask<ushort[]> ExchangeAsync(NetworkStream stream, string deviceName, byte unitId, ModbusFunction function, ushort address, ushort count, CancellationToken cancellationToken)
    {
        var transactionId = unchecked(++_transactionId);
        var request = _request.AsMemory();
        BinaryPrimitives.WriteUInt16BigEndian(_request.AsSpan(0), transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(_request.AsSpan(2), 0); // protocol id: Modbus
        BinaryPrimitives.WriteUInt16BigEndian(_request.AsSpan(4), 6); // unit id + PDU
        _request[6] = unitId;
        _request[7] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(_request.AsSpan(8), address);
        BinaryPrimitives.WriteUInt16BigEndian(_request.AsSpan(10), count);
        await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);

        await stream.ReadExactlyAsync(_response.AsMemory(0, MbapLength), cancellationToken).ConfigureAwait(false);
        var pduLength = CheckHeader();
        await stream.ReadExactlyAsync(_response.AsMemory(MbapLength, pduLength), cancellationToken).ConfigureAwait(false);
        return ParseResponse(deviceName, transactionId, unitId, function, count, pduLength);
    }

    private int CheckHeader()
    {
        var header = _response.AsSpan(0, MbapLength);
        var protocolId = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        return protocolId != 0 || length < 3 || length > 254
            ? throw new ProtocolViolation($"malformed MBAP header (protocol {protocolId}, length {length})")
            : length - 1;
    }

    private ushort[] ParseResponse(string deviceName, ushort transactionId, byte unitId, ModbusFunction function, ushort count, int pduLength)
    {
        var header = _response.AsSpan(0, MbapLength);
        var answeredId = BinaryPrimitives.ReadUInt16BigEndian(header);
        if (answeredId != transactionId)
        {
            throw new ProtocolViolation($"answer for transaction {answeredId} while waiting for {transactionId}");
        }

        if (header[6] != unitId)
        {
            throw new ProtocolViolation($"answer from unit {header[6]} while asking unit {unitId}");
        }

        var pdu = _response.AsSpan(MbapLength, pduLength);
        if (pdu[0] == ((byte)function | 0x80))
        {
            throw new ModbusException(deviceName, (byte)function, (ModbusExceptionCode)pdu[1]);
        }

        if (pdu[0] != (byte)function || pdu[1] != count * 2 || pduLength != 2 + (count * 2))
        {
            throw new ProtocolViolation($"unexpected answer (function {pdu[0]}, {pdu[1]} bytes) to function {(byte)function} for {count} registers");
        }

        var registers = new ushort[count];
        for (var i = 0; i < count; i++)
        {
            registers[i] = BinaryPrimitives.ReadUInt16BigEndian(pdu[(2 + (2 * i))..]);
        }

        return registers;
    }

    private void Reset()
    {
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
    }

    /// <summary>The server's answer does not follow the protocol; the connection is dropped.</summary>
    private sealed class ProtocolViolation(string message) : Exception(message);
}
