using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using Cohort.Core;
using Cohort.Devices.Configuration;

namespace Cohort.Devices.Drivers.Modbus;

/// <summary>Register data types.</summary>
internal enum ModbusDataType
{
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
}

/// <summary>
/// Reads holding (function 3) or input (function 4) registers over Modbus TCP. One connection per host and port is
/// shared by every device (and unit id) behind it. Values are decoded, then scaled: value = raw × scale + offset.
/// </summary>
internal sealed class ModbusDriver : IDeviceDriver, IAsyncDisposable, IDisposable
{
    /// <summary>The type name in device configurations.</summary>
    public const string TypeName = "modbus-tcp";

    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<(string Host, int Port), ModbusTcpClient> _clients = new();
    private readonly ConditionalWeakTable<DeviceConfiguration, Plan> _plans = [];

    public ModbusDriver(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    public IEnumerable<ConfigurationProblem> Validate(DeviceConfiguration device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var problems = new List<ConfigurationProblem>();
        var connection = device.Connection;
        if (connection is null)
        {
            problems.Add(new("connection", "is required for modbus-tcp (host, port, unitId)"));
        }
        else
        {
            if (string.IsNullOrWhiteSpace(connection.Host))
            {
                problems.Add(new("connection.host", "is required"));
            }

            if (connection.Port is < 1 or > 65535)
            {
                problems.Add(new("connection.port", "must be between 1 and 65535"));
            }

            if (connection.UnitId is < 0 or > 255)
            {
                problems.Add(new("connection.unitId", "must be between 0 and 255"));
            }

            NotUsed(problems, "connection.url", connection.Url);
            NotUsed(problems, "connection.username", connection.Username);
            NotUsed(problems, "connection.password", connection.Password);
            NotUsed(problems, "connection.token", connection.Token);
        }

        if (device.Simulation is not null)
        {
            problems.Add(new("simulation", "is only for simulated devices"));
        }

        if (device.Fields is null || device.Fields.Count == 0)
        {
            problems.Add(new("fields", "must list at least one field"));
            return problems;
        }

        for (var i = 0; i < device.Fields.Count; i++)
        {
            var field = device.Fields[i];
            if (field is null)
            {
                continue;
            }

            var path = string.Create(CultureInfo.InvariantCulture, $"fields[{i}]");
            var dataType = ModbusDataType.UInt16;
            if (field.DataType is not null && !TryParseDataType(field.DataType, out dataType))
            {
                problems.Add(new(path + ".dataType", $"must be one of int16, uint16, int32, uint32, float32 (not '{field.DataType}')"));
            }

            if (field.Register is null)
            {
                problems.Add(new(path + ".register", "is required"));
            }
            else if (field.Register is < 0 or > 65535)
            {
                problems.Add(new(path + ".register", "must be between 0 and 65535"));
            }
            else if (field.Register + RegisterCount(dataType) - 1 > 65535)
            {
                problems.Add(new(path + ".register", $"leaves no room for the {RegisterCount(dataType)} registers of {field.DataType}"));
            }

            if (field.Function is not null && !TryParseFunction(field.Function, out _))
            {
                problems.Add(new(path + ".function", $"must be 'holding' or 'input' (not '{field.Function}')"));
            }

            if (field.WordOrder is not null && !TryParseWordOrder(field.WordOrder, out _))
            {
                problems.Add(new(path + ".wordOrder", $"must be 'ABCD' or 'CDAB' (not '{field.WordOrder}')"));
            }

            if (!double.IsFinite(field.Offset))
            {
                problems.Add(new(path + ".offset", "must be a finite number"));
            }

            NotUsed(problems, path + ".path", field.Path);
            NotUsed(problems, path + ".source", field.Source);
        }

        return problems;
    }

    public async ValueTask<DeviceReading> ReadAsync(DeviceConfiguration device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var plan = _plans.GetValue(device, static d => Plan.Create(d));
        var timestamp = Timestamps.Now(_timeProvider);
        var client = _clients.GetOrAdd((plan.Host, plan.Port), static key => new ModbusTcpClient(key.Host, key.Port));
        using var timeout = new ReadTimeout(device, _timeProvider, cancellationToken);
        var fields = ImmutableArray.CreateBuilder<Field>(plan.Fields.Length);
        try
        {
            foreach (var field in plan.Fields)
            {
                var registers = await client.ReadRegistersAsync(device.Name, plan.UnitId, field.Function, field.Address, field.Count, timeout.Token).ConfigureAwait(false);
                fields.Add(new Field(field.Name, Decode(registers, field.DataType, field.Swapped) * field.Scale + field.Offset));
            }
        }
        catch (OperationCanceledException) when (timeout.TimedOut)
        {
            throw timeout.TimeoutException();
        }

        return new DeviceReading(device.Name, timestamp, fields.MoveToImmutable());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        _clients.Clear();
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
    }

    /// <summary>The client for an endpoint, when one was opened (for tests).</summary>
    internal ModbusTcpClient? ClientFor(string host, int port) => _clients.GetValueOrDefault((host, port));

    /// <summary>Decodes registers as big-endian bytes; 32-bit values in ABCD (high word first) or CDAB (swapped) order.</summary>
    internal static double Decode(ReadOnlySpan<ushort> registers, ModbusDataType dataType, bool swapped)
    {
        if (dataType is ModbusDataType.UInt16)
        {
            return registers[0];
        }

        if (dataType is ModbusDataType.Int16)
        {
            return unchecked((short)registers[0]);
        }

        var (high, low) = swapped ? (registers[1], registers[0]) : (registers[0], registers[1]);
        var bits = ((uint)high << 16) | low;
        return dataType switch
        {
            ModbusDataType.UInt32 => (double)bits,
            ModbusDataType.Int32 => (double)unchecked((int)bits),
            _ => (double)BitConverter.UInt32BitsToSingle(bits), // each arm typed double: a float arm would make the whole switch float

        };
    }

    internal static bool TryParseDataType(string text, out ModbusDataType dataType)
    {
        dataType = text.ToUpperInvariant() switch
        {
            "UINT16" => ModbusDataType.UInt16,
            "INT16" => ModbusDataType.Int16,
            "UINT32" => ModbusDataType.UInt32,
            "INT32" => ModbusDataType.Int32,
            "FLOAT32" => ModbusDataType.Float32,
            _ => (ModbusDataType)(-1),
        };
        return Enum.IsDefined(dataType);
    }

    private static bool TryParseFunction(string text, out ModbusFunction function)
    {
        function = text.ToUpperInvariant() switch
        {
            "HOLDING" => ModbusFunction.ReadHoldingRegisters,
            "INPUT" => ModbusFunction.ReadInputRegisters,
            _ => 0,
        };
        return function != 0;
    }

    private static bool TryParseWordOrder(string text, out bool swapped)
    {
        swapped = string.Equals(text, "CDAB", StringComparison.OrdinalIgnoreCase);
        return swapped || string.Equals(text, "ABCD", StringComparison.OrdinalIgnoreCase);
    }

    private static int RegisterCount(ModbusDataType dataType) => dataType is ModbusDataType.UInt16 or ModbusDataType.Int16 ? 1 : 2;

    private static void NotUsed(List<ConfigurationProblem> problems, string path, object? value)
    {
        if (value is not null)
        {
            problems.Add(new(path, "is not used by modbus-tcp"));
        }
    }

    private sealed record FieldPlan(string Name, ModbusFunction Function, ushort Address, ushort Count, ModbusDataType DataType, bool Swapped, double Scale, double Offset);

    private sealed record Plan(string Host, int Port, byte UnitId, ImmutableArray<FieldPlan> Fields)
    {
        public static Plan Create(DeviceConfiguration device)
        {
            var connection = device.Connection ?? throw new DeviceConfigurationException($"Device '{device.Name}' has no connection.");
            var fields = ImmutableArray.CreateBuilder<FieldPlan>(device.Fields.Count);
            foreach (var field in device.Fields)
            {
                var dataType = ModbusDataType.UInt16;
                var function = ModbusFunction.ReadHoldingRegisters;
                var swapped = false;
                if ((field.DataType is not null && !TryParseDataType(field.DataType, out dataType))
                    || (field.Function is not null && !TryParseFunction(field.Function, out function))
                    || (field.WordOrder is not null && !TryParseWordOrder(field.WordOrder, out swapped))
                    || field.Register is not (>= 0 and <= 65535))
                {
                    throw new DeviceConfigurationException($"Device '{device.Name}' field '{field.Name}' is invalid; validate the configuration first.");
                }

                fields.Add(new FieldPlan(field.Name, function, (ushort)field.Register.Value, (ushort)RegisterCount(dataType), dataType, swapped, field.Scale, field.Offset));
            }

            return new Plan(connection.Host ?? "localhost", connection.Port ?? 502, (byte)(connection.UnitId ?? 1), fields.MoveToImmutable());
        }
    }
}
