using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Encryption;

/// <summary>Asks several key providers in order and returns the first answer. Thread-safe when its providers are.</summary>
public sealed partial class CompositeKeyProvider : IKeyProvider
{
    private readonly IKeyProvider[] _providers;
    private readonly ILogger _logger;

    /// <summary>Creates a provider over others, asked in the given order.</summary>
    public CompositeKeyProvider(IEnumerable<IKeyProvider> providers, ILogger<CompositeKeyProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers = providers.ToArray();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async ValueTask<AsymmetricAlgorithm?> GetPrivateKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        foreach (IKeyProvider provider in _providers)
        {
            AsymmetricAlgorithm? key = await provider.GetPrivateKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
            if (key is not null)
            {
                return key;
            }
        }

        LogKeyNotFound(_logger, keyId, -1, _providers.Length);
        return null;
    }

    /// <inheritdoc />
    public async ValueTask<SecretKey?> GetSecretKeyAsync(string keyId, int? version = null, CancellationToken cancellationToken = default)
    {
        foreach (IKeyProvider provider in _providers)
        {
            SecretKey? key = await provider.GetSecretKeyAsync(keyId, version, cancellationToken).ConfigureAwait(false);
            if (key is not null)
            {
                return key;
            }
        }

        LogKeyNotFound(_logger, keyId, version ?? -1, _providers.Length);
        return null;
    }

    [LoggerMessage(1, LogLevel.Warning, "Key {KeyId} (version {Version}, -1 = any) was not found in {ProviderCount} key providers")]
    private static partial void LogKeyNotFound(ILogger logger, string keyId, int version, int providerCount);
}
