using System.Security.Cryptography;
using Cohort.Encryption.Envelope;

namespace Cohort.Encryption;

/// <summary>
/// Writes Cohort envelopes (docs/envelope-format.md) for one recipient key: a fresh 256-bit data key per file,
/// wrapped with RSA-OAEP-SHA256 or ECDH P-256 + HKDF-SHA256, and the content in AES-256-GCM chunks. Immutable and
/// thread-safe; it keeps a copy of the public key only.
/// </summary>
public sealed class EnvelopeEncryptor
{
    private readonly RSA? _rsa;
    private readonly ECDiffieHellman? _ecdh;
    private readonly string _keyId;
    private readonly EnvelopeOptions _options;

    private EnvelopeEncryptor(RSA? rsa, ECDiffieHellman? ecdh, string keyId, EnvelopeOptions? options)
    {
        Internal.KeyIds.Validate(keyId);
        _rsa = rsa;
        _ecdh = ecdh;
        _keyId = keyId;
        _options = new EnvelopeOptions { ChunkSize = options?.ChunkSize ?? 64 * 1024, Compression = options?.Compression ?? EnvelopeCompression.None };
        _options.ChunkSizeExponent();
    }

    /// <summary>Creates an encryptor for an RSA recipient (2048 to 4096 bits) known to readers by <paramref name="keyId"/>.</summary>
    public static EnvelopeEncryptor ForRsa(RSA recipientPublicKey, string keyId, EnvelopeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        KeyWrap.CheckRsaKeySize(recipientPublicKey);
        RSA copy = RSA.Create();
        copy.ImportSubjectPublicKeyInfo(recipientPublicKey.ExportSubjectPublicKeyInfo(), out _);
        return new EnvelopeEncryptor(copy, null, keyId, options);
    }

    /// <summary>Creates an encryptor for an ECDH P-256 recipient known to readers by <paramref name="keyId"/>.</summary>
    public static EnvelopeEncryptor ForP256(ECDiffieHellman recipientPublicKey, string keyId, EnvelopeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        KeyWrap.CheckP256(recipientPublicKey);
        return new EnvelopeEncryptor(null, ECDiffieHellman.Create(recipientPublicKey.ExportParameters(includePrivateParameters: false)), keyId, options);
    }

    /// <summary>Encrypts a stream into an envelope written to <paramref name="envelope"/>.</summary>
    public async Task EncryptAsync(Stream plaintext, Stream envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(envelope);
        EnvelopeHeader header = EnvelopeHeader.Create(_options, _rsa is null ? KeyWrapAlgorithm.EcdhP256HkdfSha256 : KeyWrapAlgorithm.RsaOaepSha256, _keyId, 0);
        byte[] dataKey = RandomNumberGenerator.GetBytes(EnvelopeHeader.DataKeyLength);
        try
        {
            header.WrappedKey = _rsa is not null
                ? KeyWrap.WrapRsa(_rsa, dataKey)
                : KeyWrap.WrapEcdh(_ecdh!, dataKey, header.WrapAssociatedData());
            await EnvelopeCodec.WriteAsync(header, dataKey, plaintext, envelope, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Encrypts bytes held in memory.</summary>
    public async Task<byte[]> EncryptToArrayAsync(ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        using MemoryStream output = new();
        using MemoryStream input = new(plaintext.ToArray(), writable: false);
        await EncryptAsync(input, output, cancellationToken).ConfigureAwait(false);
        return output.ToArray();
    }
}
