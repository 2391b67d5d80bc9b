using System.Text.Json;

namespace Cohort.Devices.Configuration;

/// <summary>How to reach a device. Each driver uses the properties it documents and rejects the ones it does not.</summary>
public sealed record DeviceConnection
{
    /// <summary>Host name or IP address (Modbus TCP).</summary>
    public string? Host { get; init; }

    /// <summary>TCP port (Modbus TCP; 502 when absent).</summary>
    public int? Port { get; init; }

    /// <summary>Modbus unit (slave) id, 0 to 255 (1 when absent).</summary>
    public int? UnitId { get; init; }

    /// <summary>The URL to GET (HTTP JSON) or the meter's base URL (eGauge).</summary>
    public Uri? Url { get; init; }

    /// <summary>User name for HTTP basic authentication.</summary>
    public string? Username { get; init; }

    /// <summary>Password for HTTP basic authentication: a secret, usually a reference to an environment variable or a file.</summary>
    public SecretReference? Password { get; init; }

    /// <summary>Bearer token for HTTP authentication: a secret, usually a reference to an environment variable or a file.</summary>
    public SecretReference? Token { get; init; }

    /// <summary>Free-form connection settings for third-party drivers (null when absent).</summary>
    public JsonElement? Settings { get; init; }
}
