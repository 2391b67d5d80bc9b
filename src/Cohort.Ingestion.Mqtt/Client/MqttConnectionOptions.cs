using System.Security.Cryptography.X509Certificates;

namespace Cohort.Ingestion.Mqtt;

/// <summary>How a Cohort MQTT client (source, publisher or edge agent) connects to its broker. MQTT 5 is always used.</summary>
public sealed class MqttConnectionOptions
{
    /// <summary>Gets or sets the broker's host name or address. Default <c>localhost</c>.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Gets or sets the broker's port. Default 1883 (use 8883 with <see cref="UseTls"/>).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Gets or sets the client id; when <see langword="null"/> a unique one is generated per connection.</summary>
    public string? ClientId { get; set; }

    /// <summary>Gets or sets the user name, when the broker asks for one.</summary>
    public string? Username { get; set; }

    /// <summary>Gets or sets the password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets a value indicating whether to connect with TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>Gets or sets the client certificate (with its private key) a device presents, for brokers that authenticate by certificate.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Gets the certificates trusted as roots for the broker's certificate, in addition to the system store.</summary>
    public X509Certificate2Collection TrustedCertificates { get; } = [];

    /// <summary>Gets or sets the keep-alive period. Default 30 s.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long one connection attempt may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the first delay before reconnecting; it doubles, with jitter, up to <see cref="ReconnectMaxDelay"/>. Default 0.5 s.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the longest delay between reconnection attempts. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long the broker keeps this client's session (subscriptions and unacknowledged QoS 1 messages)
    /// after a disconnect. Default zero: every connection starts clean. A collector that must not lose messages across
    /// a reconnect sets a stable <see cref="ClientId"/> and a session expiry, so the broker redelivers what it had not
    /// acknowledged.
    /// </summary>
    public TimeSpan SessionExpiry { get; set; }

    /// <summary>Gets or sets the most QoS 1 messages the broker may send before the client acknowledges them (MQTT 5 receive maximum). Default 1,000.</summary>
    public int ReceiveMaximum { get; set; } = 1_000;
}
