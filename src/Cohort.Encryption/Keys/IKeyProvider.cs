using System.Security.Cryptography;

namespace Cohort.Encryption;

/// <summary>
/// Where keys come from: private keys (RSA, ECDH P-256) by key id, and versioned secret keys (study master keys,
/// pseudonymisation peppers). Cohort ships a PEM-file provider, an environment provider and an in-memory one; cloud
/// KMS or HSM providers implement this interface. Implementations never log key material or put it in exceptions.
/// </summary>
public interface IKeyProvider
{
    /// <summary>
    /// The private key with this id (<see cref="RSA"/> or <see cref="ECDiffieHellman"/>), or null when this provider
    /// does not hold it. The provider owns the returned object: callers must not dispose it.
    /// </summary>
    ValueTask<AsymmetricAlgorithm?> GetPrivateKeyAsync(string keyId, CancellationToken cancellationToken = default);

    /// <summary>The secret key with this id and version (the newest version when <paramref name="version"/> is null), or null when unknown.</summary>
    ValueTask<SecretKey?> GetSecretKeyAsync(string keyId, int? version = null, CancellationToken cancellationToken = default);
}

/// <summary>A versioned symmetric secret. <see cref="ToString"/> never shows the material.</summary>
public sealed class SecretKey
{
    private readonly byte[] _material;

    /// <summary>Creates a secret key (the material is copied).</summary>
    public SecretKey(string keyId, int version, ReadOnlySpan<byte> material)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        if (material.Length < 16)
        {
            throw new ArgumentException("A secret key must be at least 16 bytes.", nameof(material));
        }

        KeyId = keyId;
        Version = version;
        _material = material.ToArray();
    }

    /// <summary>The key id.</summary>
    public string KeyId { get; }

    /// <summary>The key version (rotation adds a higher version).</summary>
    public int Version { get; }

    /// <summary>The secret bytes.</summary>
    public ReadOnlySpan<byte> Material => _material;

    /// <inheritdoc />
    public override string ToString() => $"SecretKey({KeyId} v{Version}, {_material.Length} bytes, material redacted)";
}
