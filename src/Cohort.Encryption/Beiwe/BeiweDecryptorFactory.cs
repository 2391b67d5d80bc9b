using System.Security.Cryptography;

namespace Cohort.Encryption;

/// <summary>Creates <see cref="BeiweDecryptor"/>s for study keys held by a key provider (registered by <c>AddCohortEncryption</c>).</summary>
public sealed class BeiweDecryptorFactory
{
    private readonly IKeyProvider _keys;

    /// <summary>Creates a factory over a key provider.</summary>
    public BeiweDecryptorFactory(IKeyProvider keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
    }

    /// <summary>A decryptor for the study RSA key with this id.</summary>
    public async ValueTask<BeiweDecryptor> CreateAsync(string keyId, CancellationToken cancellationToken = default)
    {
        AsymmetricAlgorithm? key = await _keys.GetPrivateKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        return key is RSA rsa
            ? new BeiweDecryptor(rsa)
            : throw new DecryptionException(DecryptionFailure.UnknownKey, $"No key provider holds an RSA private key '{keyId}'.");
    }
}
