using System.Security.Cryptography;
using Cohort.Encryption.Envelope;

namespace Cohort.Encryption;

/// <summary>
/// Reads Cohort envelopes and at-rest objects, finding the key the header names through an <see cref="IKeyProvider"/>.
/// Thread-safe.
/// </summary>
/// <remarks>
/// Plaintext is written chunk by chunk as it is authenticated; the call only proves the whole file once it returns,
/// so on an exception discard what was written. Any altered, reordered, missing or appended byte makes strict
/// decryption throw a <see cref="DecryptionException"/>.
/// </remarks>
public sealed class EnvelopeDecryptor
{
    private readonly IKeyProvider _keys;

    /// <summary>Creates a decryptor over a key provider.</summary>
    public EnvelopeDecryptor(IKeyProvider keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
    }

    /// <summary>Decrypts an envelope; any damage throws a <see cref="DecryptionException"/>.</summary>
    public Task<EnvelopeDecryptionReport> DecryptAsync(Stream envelope, Stream plaintext, CancellationToken cancellationToken = default) =>
        RunAsync(envelope, plaintext, recover: false, cancellationToken);

    /// <summary>
    /// Decrypts what can be saved from a damaged envelope: chunks that fail authentication are skipped and listed in
    /// <see cref="EnvelopeDecryptionReport.LostChunks"/>, and a missing end is flagged in <see cref="EnvelopeDecryptionReport.Truncated"/>.
    /// A damaged header still throws. With compression, a lost chunk usually makes the rest unreadable.
    /// </summary>
    public Task<EnvelopeDecryptionReport> RecoverAsync(Stream envelope, Stream plaintext, CancellationToken cancellationToken = default) =>
        RunAsync(envelope, plaintext, recover: true, cancellationToken);

    /// <summary>Decrypts an envelope held in memory.</summary>
    public async Task<byte[]> DecryptToArrayAsync(ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken = default)
    {
        using MemoryStream input = new(envelope.ToArray(), writable: false);
        using MemoryStream output = new();
        await DecryptAsync(input, output, cancellationToken).ConfigureAwait(false);
        return output.ToArray();
    }

    private async Task<EnvelopeDecryptionReport> RunAsync(Stream envelope, Stream plaintext, bool recover, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(plaintext);
        EnvelopeHeader header = await EnvelopeHeader.ReadAsync(envelope, cancellationToken).ConfigureAwait(false);
        byte[] dataKey = await UnwrapAsync(_keys, header, cancellationToken).ConfigureAwait(false);
        return await EnvelopeCodec.ReadAsync(header, dataKey, envelope, plaintext, recover, cancellationToken).ConfigureAwait(false);
    }

    internal static async ValueTask<byte[]> UnwrapAsync(IKeyProvider keys, EnvelopeHeader header, CancellationToken cancellationToken)
    {
        byte[]? dataKey;
        if (header.WrapAlgorithm == KeyWrapAlgorithm.Aes256GcmKek)
        {
            SecretKey key = await keys.GetSecretKeyAsync(header.KeyId, header.KeyVersion, cancellationToken).ConfigureAwait(false)
                ?? throw Unknown(header);
            dataKey = key.Material.Length == 32 ? KeyWrap.UnwrapSymmetric(key.Material, header.WrappedKey, header.WrapAssociatedData()) : null;
        }
        else
        {
            AsymmetricAlgorithm key = await keys.GetPrivateKeyAsync(header.KeyId, cancellationToken).ConfigureAwait(false)
                ?? throw Unknown(header);
            dataKey = (header.WrapAlgorithm, key) switch
            {
                (KeyWrapAlgorithm.RsaOaepSha256, RSA rsa) => KeyWrap.UnwrapRsa(rsa, header.WrappedKey),
                (KeyWrapAlgorithm.EcdhP256HkdfSha256, ECDiffieHellman ecdh) => KeyWrap.UnwrapEcdh(ecdh, header.WrappedKey, header.WrapAssociatedData()),
                _ => null,
            };
        }

        return dataKey ?? throw new DecryptionException(
            DecryptionFailure.KeyUnwrapFailed, $"The data key could not be unwrapped with key '{header.KeyId}' v{header.KeyVersion}: wrong key, or the header was altered.");
    }

    private static DecryptionException Unknown(EnvelopeHeader header) =>
        new(DecryptionFailure.UnknownKey, $"No key provider holds key '{header.KeyId}' v{header.KeyVersion}.");
}
