using System.Text.Json;

namespace Cohort.Devices.Configuration;

/// <summary>One field of a device: the name it is published under and where its driver finds it.</summary>
public sealed record DeviceField
{
    /// <summary>The field name, unique within its device.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Modbus: the first register's address, 0 to 65535.</summary>
    public int? Register { get; init; }

    /// <summary>Modbus: <c>holding</c> (function 3, the default) or <c>input</c> (function 4).</summary>
    public string? Function { get; init; }

    /// <summary>Modbus: <c>int16</c>, <c>uint16</c> (the default), <c>int32</c>, <c>uint32</c> or <c>float32</c>.</summary>
    public string? DataType { get; init; }

    /// <summary>Modbus, 32-bit types: <c>ABCD</c> (high word first, the default) or <c>CDAB</c> (low word first).</summary>
    public string? WordOrder { get; init; }

    /// <summary>Multiplies the raw value (Modbus, HTTP JSON, eGauge). Value = raw × scale + offset.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>Added after scaling (Modbus, HTTP JSON, eGauge).</summary>
    public double Offset { get; init; }

    /// <summary>HTTP JSON: where the value is in the response, in a JSON path subset such as <c>$.a.b[0].c</c>.</summary>
    public string? Path { get; init; }

    /// <summary>eGauge: the register name (<c>n</c> attribute); simulated: the model output (defaults to the field name).</summary>
    public string? Source { get; init; }

    /// <summary>Free-form field settings for third-party drivers (null when absent).</summary>
    public JsonElement? Settings { get; init; }
}
