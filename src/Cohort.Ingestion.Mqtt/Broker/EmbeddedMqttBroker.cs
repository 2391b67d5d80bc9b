using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Cohort.Ingestion.Mqtt.Broker;
using Cohort.Ingestion.Mqtt.Client;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace Cohort.Ingestion.Mqtt;

/// <summary>
/// An MQTT 5 broker in this process (MQTTnet's server) with per-device credentials and topic ACLs, for development,
/// the quickstart and tests. Start, stop and start again keep the same ports. Dispose to stop it for good.
/// </summary>
/// <remarks>It keeps no state across a stop: sessions, subscriptions and queued messages are gone, as after a broker restart without persistence.</remarks>
public sealed class EmbeddedMqttBroker : IAsyncDisposable
{
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly MqttMetrics _metrics;
    private readonly BrokerAccessControl _access;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MqttServer? _server;
    private bool _disposed;

    /// <summary>Creates a broker; call <see cref="StartAsync"/> to listen.</summary>
    /// <param name="options">Where to listen and who may do what; validated now.</param>
    /// <param name="loggerFactory">Where refusals and start-up are logged; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the meter of <c>cohort.mqtt.broker.refused</c>; a meter of its own when <see langword="null"/>.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; each failure names its property.</exception>
    public EmbeddedMqttBroker(EmbeddedBrokerOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        EmbeddedBrokerOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EmbeddedMqttBroker>();
        _metrics = new MqttMetrics(meterFactory);
        _access = new BrokerAccessControl(options, _logger, _metrics);
        Address = options.Address;
        Port = options.Port;
        TlsPort = options.ServerCertificate is null ? null : options.TlsPort;
    }

    /// <summary>Gets the address the broker listens on.</summary>
    public string Address { get; }

    /// <summary>Gets the plain TCP port: the configured one, or the free port chosen at the first start when configured as 0.</summary>
    public int Port { get; private set; }

    /// <summary>Gets the TLS port when a server certificate is configured; chosen at the first start when configured as 0.</summary>
    public int? TlsPort { get; private set; }

    /// <summary>Gets a value indicating whether the broker is listening.</summary>
    public bool IsRunning => _server?.IsStarted == true;

    /// <summary>Starts listening; does nothing when already running.</summary>
    /// <param name="cancellationToken">Cancels waiting to start.</param>
    /// <returns>A task that completes once clients can connect.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_server is not null)
            {
                return;
            }

            var address = IPAddress.Parse(Address);
            if (Port == 0)
            {
                Port = FreePort(address);
            }

            if (TlsPort == 0)
            {
                TlsPort = FreePort(address);
            }

            var server = new MqttServerFactory().CreateMqttServer(BuildOptions(address));
            server.ValidatingConnectionAsync += _access.ValidateConnectionAsync;
            server.InterceptingPublishAsync += _access.InterceptPublishAsync;
            server.InterceptingSubscriptionAsync += _access.InterceptSubscriptionAsync;
            await server.StartAsync().ConfigureAwait(false);
            _server = server;
            MqttLog.BrokerStarted(_logger, Address, Port);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops listening and disconnects every client; <see cref="StartAsync"/> starts it again on the same ports.</summary>
    /// <param name="cancellationToken">Cancels waiting to stop.</param>
    /// <returns>A task that completes once stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the broker for good.</summary>
    /// <returns>A task that completes once stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await StopCoreAsync().ConfigureAwait(false);
            _metrics.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopCoreAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(new MqttServerStopOptionsBuilder().Build()).ConfigureAwait(false);
            server.Dispose();
        }
    }

    private MqttServerOptions BuildOptions(IPAddress address)
    {
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(Port)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithPersistentSessions(true);
        if (_options.ServerCertificate is { } certificate)
        {
            builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(address)
                .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
                .WithEncryptedEndpointPort(TlsPort!.Value)
                .WithEncryptionCertificate(certificate);
            if (_options.ClientCertificateAuthorities.Count > 0)
            {
                var authorities = new X509Certificate2Collection(_options.ClientCertificateAuthorities);
                builder.WithClientCertificate((_, clientCertificate, _, errors) => IsClientCertificateTrusted(clientCertificate, errors, authorities), checkCertificateRevocation: false);
            }
        }

        return builder.Build();
    }

    private static bool IsClientCertificateTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authorities) =>
        certificate is not null
        && (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0
        && MqttClientSettings.IsTrusted(certificate, SslPolicyErrors.RemoteCertificateChainErrors, authorities);

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
