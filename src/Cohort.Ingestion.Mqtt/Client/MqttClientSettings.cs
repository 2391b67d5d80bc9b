using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;

namespace Cohort.Ingestion.Mqtt.Client;

/// <summary>Turns <see cref="MqttConnectionOptions"/> into MQTTnet's client options (MQTT 5, TLS, session).</summary>
internal static class MqttClientSettings
{
    public static MqttClientOptions Build(MqttConnectionOptions options, string clientId)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout)
            .WithCleanStart(options.SessionExpiry == TimeSpan.Zero)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)options.ReceiveMaximum);
        if (options.Username is not null)
        {
            builder.WithCredentials(options.Username, options.Password);
        }

        if (options.UseTls)
        {
            var trusted = new X509Certificate2Collection(options.TrustedCertificates);
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls()
                    .WithTargetHost(options.Host)
                    .WithCertificateValidationHandler(args => IsTrusted(args.Certificate, args.SslPolicyErrors, trusted));
                if (options.ClientCertificate is { } certificate)
                {
                    tls.WithClientCertificates([certificate]);
                }
            });
        }

        return builder.Build();
    }

    /// <summary>
    /// Accepts a broker certificate the system trusts, or one that chains to a certificate of
    /// <paramref name="trusted"/> (a private CA, as in development and on-premises brokers). Name mismatches and
    /// missing certificates are never accepted.
    /// </summary>
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors || trusted.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return chain.Build(leaf);
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }
}
