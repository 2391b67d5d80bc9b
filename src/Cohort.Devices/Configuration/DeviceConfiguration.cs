using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cohort.Devices.Configuration;

/// <summary>One device of a house: its unique name, its driver type, how to reach it and which fields to read.</summary>
public sealed record DeviceConfiguration
{
    /// <summary>The default polling interval (4 s, as SGMP's edge agent reads).</summary>
    public const int DefaultIntervalMs = 4_000;

    /// <summary>The default read timeout.</summary>
    public const int DefaultTimeoutMs = 2_000;

    /// <summary>The device's name, unique in its house (used in readings, topics and field references <c>device.field</c>).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The driver type name (<c>modbus-tcp</c>, <c>http-json</c>, <c>egauge</c>, <c>simulated</c> or a registered third-party type).</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>How often the device is polled, in milliseconds.</summary>
    public int IntervalMs { get; init; } = DefaultIntervalMs;

    /// <summary>How long one read may take, in milliseconds, before it fails as timed out.</summary>
    public int TimeoutMs { get; init; } = DefaultTimeoutMs;

    /// <summary>How to reach the device (host and port, or URL, and credentials); <see langword="null"/> for simulated devices.</summary>
    public DeviceConnection? Connection { get; init; }

    /// <summary>The model of a simulated device; only for the <c>simulated</c> type.</summary>
    public SimulationSettings? Simulation { get; init; }

    /// <summary>The fields to read, each with the settings its driver needs.</summary>
    public IReadOnlyList<DeviceField> Fields { get; init; } = [];

    /// <summary>Free-form settings for third-party drivers (any JSON value; null when absent).</summary>
    public JsonElement? Settings { get; init; }

    /// <summary>The polling interval.</summary>
    [JsonIgnore]
    public TimeSpan Interval => TimeSpan.FromMilliseconds(IntervalMs);

    /// <summary>The read timeout.</summary>
    [JsonIgnore]
    public TimeSpan Timeout => TimeSpan.FromMilliseconds(TimeoutMs);
}
