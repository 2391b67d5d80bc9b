using System.IO.Compression;
using System.Security.Cryptography;

namespace Cohort.Encryption.Envelope;

/// <summary>Writes and reads envelope bodies (header already decided, data key known), with optional compression.</summary>
internal static class EnvelopeCodec
{
    public static async Task WriteAsync(EnvelopeHeader header, byte[] dataKey, Stream plaintext, Stream destination, CancellationToken cancellationToken)
    {
        byte[] headerBytes = header.ToBytes();
        await destination.WriteAsync(headerBytes, cancellationToken).ConfigureAwait(false);
        using ChunkCipher cipher = new(dataKey, header);
        await using EnvelopeWriteStream chunks = new(destination, cipher, header.ChunkSize);
        if (header.Compression == EnvelopeCompression.None)
        {
            await plaintext.CopyToAsync(chunks, header.ChunkSize, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Stream compressor = header.Compression == EnvelopeCompression.GZip
                ? new GZipStream(chunks, CompressionLevel.Fastest, leaveOpen: true)
                : new BrotliStream(chunks, CompressionLevel.Fastest, leaveOpen: true);
            await using (compressor.ConfigureAwait(false))
            {
                await plaintext.CopyToAsync(compressor, 81920, cancellationToken).ConfigureAwait(false);
            }
        }

        await chunks.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<EnvelopeDecryptionReport> ReadAsync(
        EnvelopeHeader header, byte[] dataKey, Stream source, Stream plaintext, bool recover, CancellationToken cancellationToken)
    {
        using ChunkCipher cipher = new(dataKey, header);
        CryptographicOperations.ZeroMemory(dataKey);
        await using EnvelopeReadStream chunks = new(source, cipher, header.ChunkSize, recover);
        CountingStream counter = new(plaintext);
        if (header.Compression == EnvelopeCompression.None)
        {
            await chunks.CopyToAsync(counter, header.ChunkSize, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Stream decompressor = header.Compression == EnvelopeCompression.GZip
                ? new GZipStream(chunks, CompressionMode.Decompress, leaveOpen: true)
                : new BrotliStream(chunks, CompressionMode.Decompress, leaveOpen: true);
            await using (decompressor.ConfigureAwait(false))
            {
                try
                {
                    await decompressor.CopyToAsync(counter, 81920, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException ex)
                {
                    throw new DecryptionException(DecryptionFailure.DecompressionFailed, "The decrypted content could not be decompressed.", ex);
                }
            }
        }

        return new EnvelopeDecryptionReport(header.KeyId, header.KeyVersion, chunks.Chunks, counter.Written, chunks.LostChunks.ToArray(), chunks.Truncated);
    }

    /// <summary>Passes writes through and counts them.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Written += buffer.Length;
        }
    }
}
