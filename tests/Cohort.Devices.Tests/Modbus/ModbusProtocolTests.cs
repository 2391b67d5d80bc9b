using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers.Modbus;

namespace Cohort.Devices.Tests.Modbus;

/// <summary>Answers that break the protocol, sent by a raw TCP listener (pymodbus cannot be made to send them).</summary>
public sealed class ModbusProtocolTests
{
    /// <summary>Accepts connections and answers every request with <paramref name="answer"/>(request).</summary>
    private static async Task Serve(TcpListener listener, Func<byte[], byte[]> answer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            var stream = client.GetStream();
            var request = new byte[12];
            try
            {
                while (true)
                {
                    await stream.ReadExactlyAsync(request, cancellationToken);
                    await stream.WriteAsync(answer(request), cancellationToken);
                }
            }
            catch (EndOfStreamException)
            {
                // the client closed the connection: accept the next one
            }
            catch (IOException)
            {
                // the client reset the connection: accept the next one
            }
        }
    }

    private static byte[] Response(ushort transactionId, byte unit, byte function, ushort value)
    {
        var frame = new byte[11];
        BinaryPrimitives.WriteUInt16BigEndian(frame, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), 5);
        frame[6] = unit;
        frame[7] = function;
        frame[8] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(9), value);
        return frame;
    }

    [Fact]
    public async Task Answer_to_another_transaction_drops_the_connection_with_a_transient_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var wrongOnce = true;
        var server = Serve(listener, request =>
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(request);
            var answer = Response(wrongOnce ? (ushort)(id + 7) : id, request[6], request[7], 42);
            wrongOnce = false;
            return answer;
        }, stop.Token);
        await using var driver = new ModbusDriver(TimeProvider.System);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var device = ModbusDriverTests.Device(port, new DeviceField { Name = "v", Register = 0 });

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await driver.ReadAsync(device));
        var reading = await driver.ReadAsync(device);

        Assert.True(error.IsTransient);
        Assert.Contains("while waiting for 1", error.Message);
        Assert.Equal(42d, reading["v"]!.Value.AsDouble());
        Assert.Equal(2, driver.ClientFor("127.0.0.1", port)!.Connections);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);
    }

    [Fact]
    public async Task Sends_the_mbap_header_unit_id_function_address_and_count()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var requests = new List<byte[]>();
        var server = Serve(listener, request =>
        {
            requests.Add((byte[])request.Clone());
            var count = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(10));
            var frame = new byte[9 + (2 * count)];
            request.AsSpan(0, 2).CopyTo(frame);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(3 + (2 * count)));
            frame[6] = request[6];
            frame[7] = request[7];
            frame[8] = (byte)(2 * count);
            return frame;
        }, stop.Token);
        await using var driver = new ModbusDriver(TimeProvider.System);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var device = ModbusDriverTests.Device(port, new DeviceField { Name = "a", Register = 0x1234, Function = "input", DataType = "float32" }, new DeviceField { Name = "b", Register = 7 })
            with { Connection = new DeviceConnection { Host = "127.0.0.1", Port = port, UnitId = 17 } };

        await driver.ReadAsync(device);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);

        Assert.Equal(
            [
                [0, 1, 0, 0, 0, 6, 17, 4, 0x12, 0x34, 0, 2],
                [0, 2, 0, 0, 0, 6, 17, 3, 0, 7, 0, 1],
            ],
            requests);
    }
}
