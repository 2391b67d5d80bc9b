using System.Security.Cryptography;
using Cohort.Encryption.Envelope;

namespace Cohort.Encryption;

/// <summary>The study key (key-encryption key) an at-rest object's data key is wrapped with.</summary>
/// <param name="KeyId">The study key id.</param>
/// <param name="Version">The study key version.</param>
public readonly record struct AtRestKeyReference(string KeyId, int Version);

/// <summary>
/// Re-encrypts data at rest with a study key hierarchy: each object gets a fresh 256-bit data key, wrapped with
/// AES-256-GCM under the study's master key (a 32-byte <see cref="SecretKey"/> from the key provider), and names
/// the master key's id and version in its header. Rotation (<see cref="RewrapAsync"/>) re-wraps the data key under the
/// newest master key version and copies the encrypted chunks unchanged. Objects use the envelope format
/// (docs/envelope-format.md, key wrap 3) and may be compressed first. Thread-safe.
/// </summary>
public sealed class AtRestProtector
{
    private readonly IKeyProvider _keys;
    private readonly EnvelopeOptions _options;

    /// <summary>Creates a protector over a key provider, with chunk size and compression options.</summary>
    public AtRestProtector(IKeyProvider keys, EnvelopeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        _options = new EnvelopeOptions { ChunkSize = options?.ChunkSize ?? 64 * 1024, Compression = options?.Compression ?? EnvelopeCompression.None };
        _options.ChunkSizeExponent();
    }

    /// <summary>Encrypts an object under the newest version of a study key; returns the key reference written into its header.</summary>
    public async Task<AtRestKeyReference> ProtectAsync(string studyKeyId, Stream plaintext, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        SecretKey kek = await GetMasterKeyAsync(studyKeyId, null, cancellationToken).ConfigureAwait(false);
        EnvelopeHeader header = EnvelopeHeader.Create(_options, KeyWrapAlgorithm.Aes256GcmKek, kek.KeyId, kek.Version);
        byte[] dataKey = RandomNumberGenerator.GetBytes(EnvelopeHeader.DataKeyLength);
        try
        {
            header.WrappedKey = KeyWrap.WrapSymmetric(kek.Material, dataKey, header.WrapAssociatedData());
            await EnvelopeCodec.WriteAsync(header, dataKey, plaintext, destination, cancellationToken).ConfigureAwait(false);
            return new AtRestKeyReference(kek.KeyId, kek.Version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Decrypts an object, fetching the study key version its header names.</summary>
    public async Task<EnvelopeDecryptionReport> UnprotectAsync(Stream stored, Stream plaintext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(plaintext);
        EnvelopeHeader header = await ReadHeaderAsync(stored, cancellationToken).ConfigureAwait(false);
        byte[] dataKey = await EnvelopeDecryptor.UnwrapAsync(_keys, header, cancellationToken).ConfigureAwait(false);
        return await EnvelopeCodec.ReadAsync(header, dataKey, stored, plaintext, recover: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rotation: re-wraps the object's data key under the newest version of its study key and writes the object to
    /// <paramref name="destination"/> with the encrypted chunks copied byte for byte (nothing is re-encrypted).
    /// </summary>
    public async Task<AtRestKeyReference> RewrapAsync(Stream stored, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(destination);
        EnvelopeHeader header = await ReadHeaderAsync(stored, cancellationToken).ConfigureAwait(false);
        byte[] dataKey = await EnvelopeDecryptor.UnwrapAsync(_keys, header, cancellationToken).ConfigureAwait(false);
        try
        {
            SecretKey newest = await GetMasterKeyAsync(header.KeyId, null, cancellationToken).ConfigureAwait(false);
            EnvelopeHeader rewrapped = new()
            {
                Fixed = header.Fixed,
                WrapAlgorithm = KeyWrapAlgorithm.Aes256GcmKek,
                KeyId = newest.KeyId,
                KeyVersion = newest.Version,
            };
            rewrapped.WrappedKey = KeyWrap.WrapSymmetric(newest.Material, dataKey, rewrapped.WrapAssociatedData());
            await destination.WriteAsync(rewrapped.ToBytes(), cancellationToken).ConfigureAwait(false);
            await stored.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            return new AtRestKeyReference(newest.KeyId, newest.Version);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Reads which study key and version an object is wrapped with (to find objects to rotate).</summary>
    public static async Task<AtRestKeyReference> ReadKeyReferenceAsync(Stream stored, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stored);
        EnvelopeHeader header = await ReadHeaderAsync(stored, cancellationToken).ConfigureAwait(false);
        return new AtRestKeyReference(header.KeyId, header.KeyVersion);
    }

    private static async Task<EnvelopeHeader> ReadHeaderAsync(Stream stored, CancellationToken cancellationToken)
    {
        EnvelopeHeader header = await EnvelopeHeader.ReadAsync(stored, cancellationToken).ConfigureAwait(false);
        return header.WrapAlgorithm == KeyWrapAlgorithm.Aes256GcmKek
            ? header
            : throw new DecryptionException(DecryptionFailure.InvalidHeader, "The data is an envelope for a recipient key, not an at-rest object.");
    }

    private async Task<SecretKey> GetMasterKeyAsync(string keyId, int? version, CancellationToken cancellationToken)
    {
        Internal.KeyIds.Validate(keyId);
        SecretKey key = await _keys.GetSecretKeyAsync(keyId, version, cancellationToken).ConfigureAwait(false)
            ?? throw new DecryptionException(DecryptionFailure.UnknownKey, $"No key provider holds the study key '{keyId}'.");
        return key.Material.Length == 32
            ? key
            : throw new CohortCryptographyException($"The study key '{keyId}' v{key.Version} must be 32 bytes.");
    }
}
