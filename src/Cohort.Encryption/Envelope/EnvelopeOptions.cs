namespace Cohort.Encryption;

/// <summary>Compression applied to the plaintext before it is encrypted (inside the envelope, so it stays authenticated).</summary>
public enum EnvelopeCompression
{
    /// <summary>No compression.</summary>
    None = 0,

    /// <summary>GZip (RFC 1952) from the BCL.</summary>
    GZip = 1,

    /// <summary>Brotli (RFC 7932) from the BCL.</summary>
    Brotli = 2,
}

/// <summary>Options for writing Cohort envelopes and at-rest objects.</summary>
public sealed class EnvelopeOptions
{
    /// <summary>The plaintext bytes per AES-256-GCM chunk: a power of two from 1 KiB to 16 MiB. Default 64 KiB.</summary>
    public int ChunkSize { get; set; } = 64 * 1024;

    /// <summary>Compression before encryption. Default none.</summary>
    public EnvelopeCompression Compression { get; set; } = EnvelopeCompression.None;

    internal byte ChunkSizeExponent()
    {
        if (ChunkSize < 1024 || ChunkSize > 16 * 1024 * 1024 || (ChunkSize & (ChunkSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "The chunk size must be a power of two from 1 KiB to 16 MiB.");
        }

        if (Compression is < EnvelopeCompression.None or > EnvelopeCompression.Brotli)
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Unknown compression.");
        }

        return (byte)int.Log2(ChunkSize);
    }
}

/// <summary>What decrypting an envelope or at-rest object found.</summary>
/// <param name="KeyId">The key id the header names.</param>
/// <param name="KeyVersion">The key version the header names (0 for RSA and ECDH recipients).</param>
/// <param name="Chunks">The number of chunks read.</param>
/// <param name="PlaintextBytes">The number of plaintext bytes written (after decompression).</param>
/// <param name="LostChunks">The 0-based indexes of chunks that failed authentication and were skipped (recovery only).</param>
/// <param name="Truncated">Whether the data ends before its final chunk (recovery only; strict decryption throws).</param>
public sealed record EnvelopeDecryptionReport(
    string KeyId,
    int KeyVersion,
    long Chunks,
    long PlaintextBytes,
    IReadOnlyList<long> LostChunks,
    bool Truncated);
