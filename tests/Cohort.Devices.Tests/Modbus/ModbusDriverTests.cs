using System.Net;
using System.Net.Sockets;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers.Modbus;

namespace Cohort.Devices.Tests.Modbus;

#pragma warning disable CA1001 // The driver is disposed in DisposeAsync (IAsyncLifetime).
public sealed class ModbusDriverTests(ModbusServerFixture server) : IClassFixture<ModbusServerFixture>, IAsyncLifetime
{
    private readonly ModbusDriver _driver = new(TimeProvider.System);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _driver.DisposeAsync();

    internal static DeviceConfiguration Device(int port, params DeviceField[] fields) => new()
    {
        Name = "meter",
        Type = ModbusDriver.TypeName,
        TimeoutMs = 5_000,
        Connection = new DeviceConnection { Host = "127.0.0.1", Port = port, UnitId = 1 },
        Fields = fields,
    };

    [Theory]
    [InlineData(0, "int16", "ABCD", -1234d)]
    [InlineData(1, "uint16", "ABCD", 54321d)]
    [InlineData(2, "int32", "ABCD", -123456789d)]
    [InlineData(4, "int32", "CDAB", -123456789d)]
    [InlineData(6, "uint32", "ABCD", 3000000000d)]
    [InlineData(8, "uint32", "CDAB", 3000000000d)]
    [InlineData(10, "float32", "ABCD", 1234.5d)]
    [InlineData(12, "float32", "CDAB", -0.15625d)]
    public async Task Reads_holding_register_of_each_data_type_and_word_order(int register, string dataType, string wordOrder, double expected)
    {
        var device = Device(server.Port, new DeviceField { Name = "v", Register = register, DataType = dataType, WordOrder = wordOrder });

        var reading = await _driver.ReadAsync(device);

        Assert.Equal(expected, reading["v"]!.Value.AsDouble());
    }

    [Theory]
    [InlineData(100, "int16", "ABCD", 1234d)]
    [InlineData(101, "uint16", "ABCD", 12345d)]
    [InlineData(102, "int32", "ABCD", 123456789d)]
    [InlineData(104, "int32", "CDAB", 123456789d)]
    [InlineData(106, "uint32", "ABCD", 4000000000d)]
    [InlineData(108, "uint32", "CDAB", 4000000000d)]
    [InlineData(110, "float32", "ABCD", -1234.5d)]
    [InlineData(112, "float32", "CDAB", 0.15625d)]
    public async Task Reads_input_registers_with_function_4(int register, string dataType, string wordOrder, double expected)
    {
        var device = Device(server.Port, new DeviceField { Name = "v", Register = register, DataType = dataType, WordOrder = wordOrder, Function = "input" });

        var reading = await _driver.ReadAsync(device);

        Assert.Equal(expected, reading["v"]!.Value.AsDouble());
    }

    [Fact]
    public async Task Applies_scale_then_offset()
    {
        var device = Device(
            server.Port,
            new DeviceField { Name = "voltage", Register = 14, DataType = "uint16", Scale = 0.1, Offset = -10 },
            new DeviceField { Name = "energy", Register = 15, DataType = "int32", WordOrder = "CDAB", Scale = 0.001 });

        var reading = await _driver.ReadAsync(device);

        Assert.Equal(220.5, reading["voltage"]!.Value.AsDouble(), 9);
        Assert.Equal(70.0, reading["energy"]!.Value.AsDouble(), 9);
    }

    [Fact]
    public async Task Reads_every_field_in_order_over_one_reused_connection()
    {
        var device = Device(
            server.Port,
            new DeviceField { Name = "a", Register = 0, DataType = "int16" },
            new DeviceField { Name = "b", Register = 10, DataType = "float32" },
            new DeviceField { Name = "c", Register = 1 });

        var first = await _driver.ReadAsync(device);
        var second = await _driver.ReadAsync(device);

        Assert.Equal(["a", "b", "c"], first.Fields.Select(f => f.Key));
        Assert.True(first.Fields.SequenceEqual(second.Fields));
        Assert.Equal(1, _driver.ClientFor("127.0.0.1", server.Port)!.Connections);
    }

    [Fact]
    public async Task Exception_response_is_a_typed_error_with_its_code_and_keeps_the_connection()
    {
        var bad = Device(server.Port, new DeviceField { Name = "v", Register = 500 });
        var good = Device(server.Port, new DeviceField { Name = "v", Register = 1 });

        var error = await Assert.ThrowsAsync<ModbusException>(async () => await _driver.ReadAsync(bad));
        var reading = await _driver.ReadAsync(good);

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, error.ExceptionCode);
        Assert.Equal(3, error.FunctionCode);
        Assert.False(error.IsTransient);
        Assert.Equal("meter", error.DeviceName);
        Assert.Equal(54321d, reading["v"]!.Value.AsDouble());
        Assert.Equal(1, _driver.ClientFor("127.0.0.1", server.Port)!.Connections);
    }

    [Fact]
    public async Task Server_that_accepts_and_never_answers_times_out_as_a_transient_error()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var device = Device(port, new DeviceField { Name = "v", Register = 0 }) with { TimeoutMs = 300 };

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(device));

        Assert.True(error.IsTransient);
        Assert.Contains("no answer within 300 ms", error.Message);
    }

    [Fact]
    public async Task Caller_cancellation_is_an_operation_canceled_exception_not_a_device_error()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var device = Device(port, new DeviceField { Name = "v", Register = 0 }) with { TimeoutMs = 60_000 };
        using var cancel = new CancellationTokenSource(200);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _driver.ReadAsync(device, cancel.Token));
    }

    [Fact]
    public async Task Refused_connection_is_a_transient_error()
    {
        var device = Device(ModbusServerProcess.FreePort(), new DeviceField { Name = "v", Register = 0 });

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(device));

        Assert.True(error.IsTransient);
        Assert.IsNotType<ModbusException>(error);
    }
}
#pragma warning restore CA1001

public sealed class ModbusReconnectTests
{
    [Fact]
    public async Task Reconnects_after_the_server_restarts_on_the_same_port()
    {
        await using var server = await ModbusServerProcess.StartAsync();
        await using var driver = new ModbusDriver(TimeProvider.System);
        var device = ModbusDriverTests.Device(server.Port, new DeviceField { Name = "v", Register = 1 });
        var before = await driver.ReadAsync(device);

        await server.StopAsync();
        await server.StartAsync();
        var after = await driver.ReadAsync(device);

        Assert.Equal(54321d, before["v"]!.Value.AsDouble());
        Assert.Equal(54321d, after["v"]!.Value.AsDouble());
        Assert.Equal(2, driver.ClientFor("127.0.0.1", server.Port)!.Connections);
    }
}
