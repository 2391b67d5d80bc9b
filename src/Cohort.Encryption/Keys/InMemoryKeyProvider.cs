using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Cohort.Encryption;

/// <summary>An <see cref="IKeyProvider"/> holding keys added in code (tests, simulators, keys fetched at start). Thread-safe.</summary>
public sealed class InMemoryKeyProvider : IKeyProvider
{
    private readonly ConcurrentDictionary<string, AsymmetricAlgorithm> _privateKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, SecretKey>> _secrets = new(StringComparer.Ordinal);

    /// <summary>Adds or replaces a private key (<see cref="RSA"/> or <see cref="ECDiffieHellman"/>); the provider does not dispose it.</summary>
    public InMemoryKeyProvider AddPrivateKey(string keyId, AsymmetricAlgorithm key)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        ArgumentNullException.ThrowIfNull(key);
        _privateKeys[keyId] = key;
        return this;
    }

    /// <summary>Adds or replaces a version of a secret key.</summary>
    public InMemoryKeyProvider AddSecretKey(SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _secrets.GetOrAdd(key.KeyId, static _ => new ConcurrentDictionary<int, SecretKey>())[key.Version] = key;
        return this;
    }

    /// <inheritdoc />
    public ValueTask<AsymmetricAlgorithm?> GetPrivateKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_privateKeys.GetValueOrDefault(keyId));

    /// <inheritdoc />
    public ValueTask<SecretKey?> GetSecretKeyAsync(string keyId, int? version = null, CancellationToken cancellationToken = default)
    {
        if (!_secrets.TryGetValue(keyId, out ConcurrentDictionary<int, SecretKey>? versions) || versions.IsEmpty)
        {
            return ValueTask.FromResult<SecretKey?>(null);
        }

        SecretKey? key = version is int v ? versions.GetValueOrDefault(v) : versions[versions.Keys.Max()];
        return ValueTask.FromResult(key);
    }
}
