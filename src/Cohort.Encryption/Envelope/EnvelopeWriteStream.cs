using System.Buffers;

namespace Cohort.Encryption.Envelope;

/// <summary>
/// A write-only stream that cuts what is written into chunks and seals them. A full chunk is held back until more
/// data arrives, so that the last chunk can carry the final flag; <see cref="CompleteAsync"/> seals it.
/// </summary>
internal sealed class EnvelopeWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly ChunkCipher _cipher;
    private readonly int _chunkSize;
    private byte[] _plain;
    private byte[] _sealed;
    private int _count;
    private long _index;
    private bool _completed;

    public EnvelopeWriteStream(Stream inner, ChunkCipher cipher, int chunkSize)
    {
        _inner = inner;
        _cipher = cipher;
        _chunkSize = chunkSize;
        _plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        _sealed = ArrayPool<byte>.Shared.Rent(chunkSize + EnvelopeHeader.TagLength);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_count == _chunkSize)
            {
                int length = SealChunk(final: false);
                _inner.Write(_sealed, 0, length);
            }

            int take = Math.Min(_chunkSize - _count, buffer.Length);
            buffer[..take].CopyTo(_plain.AsSpan(_count));
            _count += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_count == _chunkSize)
            {
                int length = SealChunk(final: false);
                await _inner.WriteAsync(_sealed.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }

            int take = Math.Min(_chunkSize - _count, buffer.Length);
            buffer.Span[..take].CopyTo(_plain.AsSpan(_count));
            _count += take;
            buffer = buffer[take..];
        }
    }

    /// <summary>Seals the final chunk (possibly empty when nothing was written) and flushes the inner stream.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        int length = SealChunk(final: true);
        _completed = true;
        await _inner.WriteAsync(_sealed.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _plain.Length > 0)
        {
            _completed = true;
            ArrayPool<byte>.Shared.Return(_plain, clearArray: true);
            ArrayPool<byte>.Shared.Return(_sealed);
            _plain = [];
            _sealed = [];
        }

        base.Dispose(disposing);
    }

    private int SealChunk(bool final)
    {
        _cipher.Seal(_index, final, _plain.AsSpan(0, _count), _sealed);
        _index++;
        int length = _count + EnvelopeHeader.TagLength;
        _count = 0;
        return length;
    }
}
