using System.Security.Cryptography.X509Certificates;

namespace Cohort.Ingestion.Mqtt;

/// <summary>
/// Options of the embedded MQTT broker (MQTTnet's server in-process) for development, the quickstart and tests: where
/// it listens, who may connect, and which topics each device may use.
/// </summary>
/// <remarks>
/// Topic patterns are MQTT filters (<c>+</c>, <c>#</c>) whose levels may be <c>{tenant}</c>, <c>{username}</c> or
/// <c>{clientid}</c>, replaced by the connected device's values. A device may publish to a topic that matches one of
/// its publish patterns, and subscribe to a filter that every topic it could receive matches one of its subscribe
/// patterns. Anything else is refused with reason code <c>NotAuthorized</c>, logged and counted
/// (<c>cohort.mqtt.broker.refused</c>).
/// </remarks>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Gets or sets the address to listen on. Default <c>127.0.0.1</c> (loopback only).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the plain TCP port. Default 1883; 0 picks a free port (read it from <see cref="EmbeddedMqttBroker.Port"/>).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Gets or sets a value indicating whether clients without a user name or known certificate may connect (with no topic
    /// restriction). <see langword="null"/> (the default) means yes when no <see cref="Devices"/> and no
    /// <see cref="Services"/> are configured, no otherwise.
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>Gets the devices that may connect, each restricted to its own topics.</summary>
    public IList<EmbeddedBrokerDevice> Devices { get; } = [];

    /// <summary>Gets the trusted service clients (collectors, config publishers): user name → password, with no topic restriction.</summary>
    public IDictionary<string, string> Services { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the topics a device may publish to when it lists none of its own. Default <c>cohort/{tenant}/#</c>.</summary>
    public IList<string> DevicePublishTopics { get; } = ["cohort/{tenant}/#"];

    /// <summary>Gets the filters a device may subscribe to when it lists none of its own. Default <c>cohort_config/{tenant}/#</c>.</summary>
    public IList<string> DeviceSubscribeTopics { get; } = ["cohort_config/{tenant}/#"];

    /// <summary>Gets or sets the server certificate (with private key); when set, a TLS endpoint listens on <see cref="TlsPort"/>.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Gets or sets the TLS port. Default 8883; 0 picks a free port (read it from <see cref="EmbeddedMqttBroker.TlsPort"/>).</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Gets the certificate authorities whose client certificates the TLS endpoint accepts. When not empty, every TLS
    /// client must present a certificate chaining to one of them; a device is then recognised by
    /// <see cref="EmbeddedBrokerDevice.CertificateThumbprint"/> without a password.
    /// </summary>
    public X509Certificate2Collection ClientCertificateAuthorities { get; } = [];
}

/// <summary>A device the embedded broker admits, and the tenant (house) whose topics it may use.</summary>
public sealed class EmbeddedBrokerDevice
{
    /// <summary>Gets or sets the user name the device connects with (also its identity in logs and in <c>{username}</c>).</summary>
    public string Username { get; set; } = "";

    /// <summary>Gets or sets the device's password; <see langword="null"/> when it authenticates by certificate only. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets the SHA-256 thumbprint (hex) of the device's TLS client certificate, when it authenticates by certificate.</summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>Gets or sets the tenant (house or participant) the device belongs to; replaces <c>{tenant}</c> in its topic patterns.</summary>
    public string Tenant { get; set; } = "";

    /// <summary>Gets the topics this device may publish to; when empty, <see cref="EmbeddedBrokerOptions.DevicePublishTopics"/>.</summary>
    public IList<string> PublishTopics { get; } = [];

    /// <summary>Gets the filters this device may subscribe to; when empty, <see cref="EmbeddedBrokerOptions.DeviceSubscribeTopics"/>.</summary>
    public IList<string> SubscribeTopics { get; } = [];
}
