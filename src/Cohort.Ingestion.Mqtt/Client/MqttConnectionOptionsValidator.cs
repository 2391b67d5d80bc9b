using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Client;

/// <summary>Checks <see cref="MqttConnectionOptions"/> when the host starts (and when a connection is created without DI).</summary>
internal sealed class MqttConnectionOptionsValidator : IValidateOptions<MqttConnectionOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Problems(options, "MqttConnectionOptions").ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are invalid.</summary>
    public static void ThrowIfInvalid(MqttConnectionOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Problems(options, path).ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(path, typeof(MqttConnectionOptions), failures);
        }
    }

    /// <summary>The problems of <paramref name="options"/>, each naming its property under <paramref name="path"/>.</summary>
    public static IEnumerable<string> Problems(MqttConnectionOptions options, string path)
    {
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            yield return $"{path}.Host: the broker's host name must not be empty.";
        }

        if (options.Port is < 1 or > 65535)
        {
            yield return $"{path}.Port: {options.Port} is not a TCP port (1-65535).";
        }

        if (options.KeepAlive < TimeSpan.Zero || options.KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            yield return $"{path}.KeepAlive: {options.KeepAlive} must be between 0 and {ushort.MaxValue} seconds.";
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            yield return $"{path}.ConnectTimeout: {options.ConnectTimeout} must be positive.";
        }

        if (options.ReconnectMinDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            yield return $"{path}.ReconnectMinDelay/ReconnectMaxDelay: {options.ReconnectMinDelay} must be positive and at most {options.ReconnectMaxDelay}.";
        }

        if (options.SessionExpiry < TimeSpan.Zero || options.SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            yield return $"{path}.SessionExpiry: {options.SessionExpiry} must be between 0 and {uint.MaxValue} seconds.";
        }

        if (options.ReceiveMaximum is < 1 or > ushort.MaxValue)
        {
            yield return $"{path}.ReceiveMaximum: {options.ReceiveMaximum} must be between 1 and {ushort.MaxValue}.";
        }

        if (options.ClientCertificate is { } certificate)
        {
            if (!options.UseTls)
            {
                yield return $"{path}.ClientCertificate: a client certificate needs UseTls = true.";
            }

            if (!certificate.HasPrivateKey)
            {
                yield return $"{path}.ClientCertificate: the certificate '{certificate.Subject}' has no private key.";
            }
        }
    }
}
