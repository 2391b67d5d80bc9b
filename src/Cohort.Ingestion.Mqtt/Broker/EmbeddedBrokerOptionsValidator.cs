using System.Net;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Broker;

/// <summary>Checks <see cref="EmbeddedBrokerOptions"/>; each failure names its property.</summary>
internal sealed class EmbeddedBrokerOptionsValidator : IValidateOptions<EmbeddedBrokerOptions>
{
    private const string Path = nameof(EmbeddedBrokerOptions);

    public ValidateOptionsResult Validate(string? name, EmbeddedBrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Problems(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static void ThrowIfInvalid(EmbeddedBrokerOptions options)
    {
        var failures = Problems(options).ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Path, typeof(EmbeddedBrokerOptions), failures);
        }
    }

    private static IEnumerable<string> Problems(EmbeddedBrokerOptions options)
    {
        if (!IPAddress.TryParse(options.Address, out _))
        {
            yield return $"{Path}.Address: '{options.Address}' is not an IP address.";
        }

        if (options.Port is < 0 or > 65535)
        {
            yield return $"{Path}.Port: {options.Port} is not a TCP port (0-65535, 0 for a free one).";
        }

        if (options.ServerCertificate is { HasPrivateKey: false } certificate)
        {
            yield return $"{Path}.ServerCertificate: '{certificate.Subject}' has no private key.";
        }

        if (options.TlsPort is < 0 or > 65535)
        {
            yield return $"{Path}.TlsPort: {options.TlsPort} is not a TCP port (0-65535, 0 for a free one).";
        }

        foreach (var (pattern, i) in options.DevicePublishTopics.Select((p, i) => (p, i)).Concat(options.DeviceSubscribeTopics.Select((p, i) => (p, i))))
        {
            if (TopicAcl.Problem(pattern) is { } problem)
            {
                yield return $"{Path}.DevicePublishTopics/DeviceSubscribeTopics[{i}]: {problem}.";
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Devices.Count; i++)
        {
            var device = options.Devices[i];
            var at = $"{Path}.Devices[{i}]";
            if (string.IsNullOrEmpty(device.Username))
            {
                yield return $"{at}.Username: a device needs a user name.";
            }
            else if (!names.Add(device.Username) || options.Services.ContainsKey(device.Username))
            {
                yield return $"{at}.Username: '{device.Username}' is used twice.";
            }

            if (device.Password is null && device.CertificateThumbprint is null)
            {
                yield return $"{at}: a device needs a Password or a CertificateThumbprint.";
            }

            if (string.IsNullOrEmpty(device.Tenant) || device.Tenant.AsSpan().IndexOfAny("/+#") >= 0)
            {
                yield return $"{at}.Tenant: '{device.Tenant}' must be one non-empty topic level (no '/', '+' or '#').";
            }

            foreach (var pattern in device.PublishTopics.Concat(device.SubscribeTopics))
            {
                if (TopicAcl.Problem(pattern) is { } problem)
                {
                    yield return $"{at}.PublishTopics/SubscribeTopics: {problem}.";
                }
            }
        }
    }
}
