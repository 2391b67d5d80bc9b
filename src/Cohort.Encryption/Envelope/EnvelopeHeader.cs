using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cohort.Encryption.Envelope;

/// <summary>Key wrap algorithm ids (byte 16 of the header).</summary>
internal enum KeyWrapAlgorithm : byte
{
    RsaOaepSha256 = 1,
    EcdhP256HkdfSha256 = 2,
    Aes256GcmKek = 3,
}

/// <summary>The header of a Cohort envelope; see docs/envelope-format.md for the byte layout.</summary>
internal sealed class EnvelopeHeader
{
    public const int FixedLength = 16;
    public const byte Version = 1;
    public const byte ContentAes256GcmStream = 1;
    public const int TagLength = 16;
    public const int NonceLength = 12;
    public const int NoncePrefixLength = 7;
    public const int DataKeyLength = 32;
    private static ReadOnlySpan<byte> Magic => "CHEV"u8;

    public required byte[] Fixed { get; init; }

    public required KeyWrapAlgorithm WrapAlgorithm { get; init; }

    public required string KeyId { get; init; }

    public required int KeyVersion { get; init; }

    public byte[] WrappedKey { get; set; } = [];

    public int ChunkSize => 1 << Fixed[6];

    public EnvelopeCompression Compression => (EnvelopeCompression)(Fixed[7] & 0x03);

    public ReadOnlySpan<byte> NoncePrefix => Fixed.AsSpan(8, NoncePrefixLength);

    public static EnvelopeHeader Create(EnvelopeOptions options, KeyWrapAlgorithm wrap, string keyId, int keyVersion)
    {
        byte exponent = options.ChunkSizeExponent();
        if (Encoding.UTF8.GetByteCount(keyId) is 0 or > 255)
        {
            throw new ArgumentException("A key id is 1 to 255 UTF-8 bytes.", nameof(keyId));
        }

        byte[] fixedPart = new byte[FixedLength];
        Magic.CopyTo(fixedPart);
        fixedPart[4] = Version;
        fixedPart[5] = ContentAes256GcmStream;
        fixedPart[6] = exponent;
        fixedPart[7] = (byte)options.Compression;
        RandomNumberGenerator.Fill(fixedPart.AsSpan(8, NoncePrefixLength));
        return new EnvelopeHeader { Fixed = fixedPart, WrapAlgorithm = wrap, KeyId = keyId, KeyVersion = keyVersion };
    }

    /// <summary>The associated data that binds a wrapped data key to this file and key: fixed part, wrap id, key id, version.</summary>
    public byte[] WrapAssociatedData()
    {
        byte[] keyId = Encoding.UTF8.GetBytes(KeyId);
        byte[] aad = new byte[FixedLength + 1 + keyId.Length + 4];
        Fixed.CopyTo(aad, 0);
        aad[FixedLength] = (byte)WrapAlgorithm;
        keyId.CopyTo(aad, FixedLength + 1);
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(FixedLength + 1 + keyId.Length), (uint)KeyVersion);
        return aad;
    }

    public byte[] ToBytes()
    {
        byte[] keyId = Encoding.UTF8.GetBytes(KeyId);
        byte[] bytes = new byte[FixedLength + 2 + keyId.Length + 4 + 2 + WrappedKey.Length];
        Fixed.CopyTo(bytes, 0);
        bytes[16] = (byte)WrapAlgorithm;
        bytes[17] = (byte)keyId.Length;
        keyId.CopyTo(bytes, 18);
        int at = 18 + keyId.Length;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), (uint)KeyVersion);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at + 4), checked((ushort)WrappedKey.Length));
        WrappedKey.CopyTo(bytes, at + 6);
        return bytes;
    }

    public static async ValueTask<EnvelopeHeader> ReadAsync(Stream source, CancellationToken cancellationToken)
    {
        byte[] start = new byte[FixedLength + 2];
        await ReadExactlyAsync(source, start, cancellationToken).ConfigureAwait(false);
        if (!start.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw Invalid("The data does not start with the Cohort envelope magic 'CHEV'.");
        }

        if (start[4] != Version || start[5] != ContentAes256GcmStream)
        {
            throw Invalid("The envelope version or content algorithm is not supported.");
        }

        if (start[6] is < 10 or > 24 || (start[7] & 0xFC) != 0 || (start[7] & 0x03) == 3 || start[15] != 0)
        {
            throw Invalid("The envelope chunk size, flags or reserved byte is invalid.");
        }

        KeyWrapAlgorithm wrap = (KeyWrapAlgorithm)start[16];
        if (wrap is < KeyWrapAlgorithm.RsaOaepSha256 or > KeyWrapAlgorithm.Aes256GcmKek)
        {
            throw Invalid("The envelope key wrap algorithm is not supported.");
        }

        int keyIdLength = start[17];
        if (keyIdLength == 0)
        {
            throw Invalid("The envelope key id is empty.");
        }

        byte[] middle = new byte[keyIdLength + 6];
        await ReadExactlyAsync(source, middle, cancellationToken).ConfigureAwait(false);
        string keyId;
        try
        {
            keyId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(middle, 0, keyIdLength);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid("The envelope key id is not UTF-8.");
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(middle.AsSpan(keyIdLength));
        int wrappedLength = BinaryPrimitives.ReadUInt16BigEndian(middle.AsSpan(keyIdLength + 4));
        bool lengthOk = wrap switch
        {
            KeyWrapAlgorithm.RsaOaepSha256 => wrappedLength is >= 256 and <= 512,
            KeyWrapAlgorithm.EcdhP256HkdfSha256 => wrappedLength == KeyWrap.EcdhWrappedLength,
            _ => wrappedLength == KeyWrap.SymmetricWrappedLength,
        };
        if (!lengthOk || version > int.MaxValue || (wrap != KeyWrapAlgorithm.Aes256GcmKek && version != 0))
        {
            throw Invalid("The envelope key version or wrapped key length is invalid.");
        }

        byte[] wrapped = new byte[wrappedLength];
        await ReadExactlyAsync(source, wrapped, cancellationToken).ConfigureAwait(false);
        return new EnvelopeHeader
        {
            Fixed = start[..FixedLength],
            WrapAlgorithm = wrap,
            KeyId = keyId,
            KeyVersion = (int)version,
            WrappedKey = wrapped,
        };
    }

    private static async ValueTask ReadExactlyAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        int read = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < buffer.Length)
        {
            throw new DecryptionException(DecryptionFailure.Truncated, "The envelope ends inside its header.");
        }
    }

    private static DecryptionException Invalid(string message) => new(DecryptionFailure.InvalidHeader, message);
}
