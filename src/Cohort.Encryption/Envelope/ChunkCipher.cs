using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cohort.Encryption.Envelope;

/// <summary>AES-256-GCM over numbered chunks: nonce = prefix(7) || counter(4, big-endian) || final flag(1); AAD = the 16 fixed header bytes.</summary>
internal sealed class ChunkCipher : IDisposable
{
    private readonly AesGcm _gcm;
    private readonly byte[] _fixed;
    private readonly byte[] _nonce = new byte[EnvelopeHeader.NonceLength];

    public ChunkCipher(ReadOnlySpan<byte> dataKey, EnvelopeHeader header)
    {
        _gcm = new AesGcm(dataKey, EnvelopeHeader.TagLength);
        _fixed = header.Fixed;
        header.NoncePrefix.CopyTo(_nonce);
    }

    /// <summary>Writes ciphertext || tag (plaintext length + 16 bytes) into <paramref name="destination"/>.</summary>
    public void Seal(long index, bool final, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        SetNonce(index, final);
        _gcm.Encrypt(_nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, EnvelopeHeader.TagLength), _fixed);
    }

    /// <summary>Decrypts ciphertext || tag into <paramref name="destination"/>; false when authentication fails.</summary>
    public bool TryOpen(long index, bool final, ReadOnlySpan<byte> sealedChunk, Span<byte> destination)
    {
        SetNonce(index, final);
        int length = sealedChunk.Length - EnvelopeHeader.TagLength;
        try
        {
            _gcm.Decrypt(_nonce, sealedChunk[..length], sealedChunk[length..], destination[..length], _fixed);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _gcm.Dispose();

    private void SetNonce(long index, bool final)
    {
        if (index > uint.MaxValue)
        {
            throw new InvalidOperationException("An envelope holds at most 2^32 chunks.");
        }

        BinaryPrimitives.WriteUInt32BigEndian(_nonce.AsSpan(EnvelopeHeader.NoncePrefixLength), (uint)index);
        _nonce[^1] = final ? (byte)1 : (byte)0;
    }
}
