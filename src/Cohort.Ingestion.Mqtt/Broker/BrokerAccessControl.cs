using System.Collections;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Cohort.Ingestion.Mqtt.Broker;

/// <summary>
/// Authenticates clients of the embedded broker (device password, device certificate, service password or anonymous)
/// and authorises their publishes and subscriptions against their topic patterns.
/// </summary>
internal sealed class BrokerAccessControl
{
    private const string IdentityKey = "cohort.identity";

    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly MqttMetrics _metrics;
    private readonly bool _allowAnonymous;

    public BrokerAccessControl(EmbeddedBrokerOptions options, ILogger logger, MqttMetrics metrics)
    {
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _allowAnonymous = options.AllowAnonymous ?? (options.Devices.Count == 0 && options.Services.Count == 0);
    }

    public Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var identity = Authenticate(e.UserName, e.Password, e.ClientCertificate, e.ClientId, out var refusal);
        if (identity is null)
        {
            e.ReasonCode = refusal;
            Refuse("connect", e.ClientId, e.UserName, "-", refusal == MqttConnectReasonCode.NotAuthorized ? "anonymous clients are not allowed" : "unknown user name, wrong password or unknown certificate");
            return Task.CompletedTask;
        }

        e.SessionItems[IdentityKey] = identity;
        return Task.CompletedTask;
    }

    public Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.ClientId is null || IdentityOf(e.SessionItems) is not { } identity)
        {
            return Task.CompletedTask; // Injected by the host itself.
        }

        var topic = e.ApplicationMessage.Topic;
        if (identity.MayPublish(topic))
        {
            return Task.CompletedTask;
        }

        e.ProcessPublish = false;
        e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        e.Response.ReasonString = $"'{identity.Name}' may not publish to '{topic}'";
        Refuse("publish", e.ClientId, identity.Name, topic, identity.Describe());
        return Task.CompletedTask;
    }

    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var identity = IdentityOf(e.SessionItems);
        var filter = e.TopicFilter.Topic;
        if (identity is null || identity.MaySubscribe(filter))
        {
            return Task.CompletedTask;
        }

        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        e.Response.ReasonString = $"'{identity.Name}' may not subscribe to '{filter}'";
        Refuse("subscribe", e.ClientId, identity.Name, filter, identity.Describe());
        return Task.CompletedTask;
    }

    private static ClientIdentity? IdentityOf(IDictionary items) => items.Contains(IdentityKey) ? items[IdentityKey] as ClientIdentity : null;

    private ClientIdentity? Authenticate(string? username, string? password, X509Certificate2? certificate, string clientId, out MqttConnectReasonCode refusal)
    {
        refusal = MqttConnectReasonCode.BadUserNameOrPassword;
        if (certificate is not null && _options.ClientCertificateAuthorities.Count > 0)
        {
            var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            var byCertificate = _options.Devices.FirstOrDefault(d => d.CertificateThumbprint is { } t && string.Equals(t, thumbprint, StringComparison.OrdinalIgnoreCase));
            if (byCertificate is not null)
            {
                return ClientIdentity.ForDevice(_options, byCertificate, clientId);
            }
        }

        if (!string.IsNullOrEmpty(username))
        {
            var device = _options.Devices.FirstOrDefault(d => d.Password is not null && string.Equals(d.Username, username, StringComparison.Ordinal));
            if (device is not null)
            {
                return SameSecret(device.Password!, password) ? ClientIdentity.ForDevice(_options, device, clientId) : null;
            }

            if (_options.Services.TryGetValue(username, out var secret))
            {
                return SameSecret(secret, password) ? ClientIdentity.Unrestricted(username) : null;
            }

            return null;
        }

        if (_allowAnonymous)
        {
            return ClientIdentity.Unrestricted("anonymous");
        }

        refusal = MqttConnectReasonCode.NotAuthorized;
        return null;
    }

    private static bool SameSecret(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));

    private void Refuse(string action, string? clientId, string? user, string topic, string reason)
    {
        _metrics.Refused(action);
        MqttLog.BrokerRefused(_logger, action, clientId ?? "-", user, topic, reason);
    }

    /// <summary>Who a connected client is, with its expanded topic patterns (none for unrestricted clients).</summary>
    private sealed class ClientIdentity
    {
        private readonly string[]? _publish;
        private readonly string[]? _subscribe;
        private readonly string? _tenant;

        private ClientIdentity(string name, string? tenant, string[]? publish, string[]? subscribe)
        {
            Name = name;
            _tenant = tenant;
            _publish = publish;
            _subscribe = subscribe;
        }

        public string Name { get; }

        public static ClientIdentity Unrestricted(string name) => new(name, null, null, null);

        public static ClientIdentity ForDevice(EmbeddedBrokerOptions options, EmbeddedBrokerDevice device, string clientId)
        {
            string[] Expand(IList<string> own, IList<string> defaults) =>
                [.. (own.Count > 0 ? own : defaults).Select(p => TopicAcl.Expand(p, device.Tenant, device.Username, clientId)).OfType<string>()];

            return new ClientIdentity(device.Username, device.Tenant, Expand(device.PublishTopics, options.DevicePublishTopics), Expand(device.SubscribeTopics, options.DeviceSubscribeTopics));
        }

        public bool MayPublish(string topic) => _publish is null || _publish.Any(p => TopicAcl.AllowsTopic(p, topic));

        public bool MaySubscribe(string filter) => _subscribe is null || _subscribe.Any(p => TopicAcl.Covers(p, filter));

        public string Describe() => $"device of tenant '{_tenant}' may publish to [{string.Join(", ", _publish ?? [])}] and subscribe to [{string.Join(", ", _subscribe ?? [])}]";
    }
}
