using System.Buffers;

namespace Cohort.Encryption.Envelope;

/// <summary>
/// A read-only stream of the plaintext of an envelope's chunks. It reads one sealed chunk ahead, so that it knows
/// which chunk is the last and must carry the final flag. Strict mode throws on the first failing chunk; recovery
/// mode skips it and records its index.
/// </summary>
internal sealed class EnvelopeReadStream : Stream
{
    private readonly Stream _inner;
    private readonly ChunkCipher _cipher;
    private readonly int _sealedSize;
    private readonly bool _recover;
    private readonly List<long> _lost = [];
    private byte[] _current;
    private byte[] _next;
    private byte[] _plain;
    private int _currentLength = -1;
    private int _nextLength;
    private int _plainOffset;
    private int _plainLength;
    private long _index;
    private bool _done;

    public EnvelopeReadStream(Stream inner, ChunkCipher cipher, int chunkSize, bool recover)
    {
        _inner = inner;
        _cipher = cipher;
        _sealedSize = chunkSize + EnvelopeHeader.TagLength;
        _recover = recover;
        _current = ArrayPool<byte>.Shared.Rent(_sealedSize);
        _next = ArrayPool<byte>.Shared.Rent(_sealedSize);
        _plain = ArrayPool<byte>.Shared.Rent(chunkSize);
    }

    public long Chunks => _index;

    public IReadOnlyList<long> LostChunks => _lost;

    public bool Truncated { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_plainOffset == _plainLength)
        {
            if (_done)
            {
                return 0;
            }

            if (_currentLength < 0)
            {
                _currentLength = _inner.ReadAtLeast(_current.AsSpan(0, _sealedSize), _sealedSize, throwOnEndOfStream: false);
            }

            _nextLength = _currentLength == _sealedSize ? _inner.ReadAtLeast(_next.AsSpan(0, _sealedSize), _sealedSize, throwOnEndOfStream: false) : 0;
            OpenCurrent();
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_plainOffset == _plainLength)
        {
            if (_done)
            {
                return 0;
            }

            if (_currentLength < 0)
            {
                _currentLength = await _inner.ReadAtLeastAsync(_current.AsMemory(0, _sealedSize), _sealedSize, false, cancellationToken).ConfigureAwait(false);
            }

            _nextLength = _currentLength == _sealedSize
                ? await _inner.ReadAtLeastAsync(_next.AsMemory(0, _sealedSize), _sealedSize, false, cancellationToken).ConfigureAwait(false)
                : 0;
            OpenCurrent();
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>Writes each opened chunk straight from its buffer (no intermediate copy).</summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (true)
        {
            if (_plainOffset < _plainLength)
            {
                await destination.WriteAsync(_plain.AsMemory(_plainOffset, _plainLength - _plainOffset), cancellationToken).ConfigureAwait(false);
                _plainOffset = _plainLength;
            }

            if (_done)
            {
                return;
            }

            if (_currentLength < 0)
            {
                _currentLength = await _inner.ReadAtLeastAsync(_current.AsMemory(0, _sealedSize), _sealedSize, false, cancellationToken).ConfigureAwait(false);
            }

            _nextLength = _currentLength == _sealedSize
                ? await _inner.ReadAtLeastAsync(_next.AsMemory(0, _sealedSize), _sealedSize, false, cancellationToken).ConfigureAwait(false)
                : 0;
            OpenCurrent();
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _plain.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_current);
            ArrayPool<byte>.Shared.Return(_next);
            ArrayPool<byte>.Shared.Return(_plain, clearArray: true);
            _current = _next = _plain = [];
        }

        base.Dispose(disposing);
    }

    private int CopyOut(Span<byte> buffer)
    {
        int take = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsSpan(_plainOffset, take).CopyTo(buffer);
        _plainOffset += take;
        return take;
    }

    /// <summary>Opens the chunk in <c>_current</c> (the last one when nothing follows it), then moves <c>_next</c> into its place.</summary>
    private void OpenCurrent()
    {
        bool final = _nextLength == 0;
        ReadOnlySpan<byte> sealedChunk = _current.AsSpan(0, _currentLength);
        _plainOffset = 0;
        _plainLength = 0;
        if (_currentLength < EnvelopeHeader.TagLength)
        {
            if (!_recover || (_index == 0 && _currentLength == 0))
            {
                throw new DecryptionException(DecryptionFailure.Truncated, "The envelope ends before its final chunk.");
            }

            Truncated = true;
            if (_currentLength > 0)
            {
                _lost.Add(_index);
            }
        }
        else if (_cipher.TryOpen(_index, final, sealedChunk, _plain))
        {
            _plainLength = _currentLength - EnvelopeHeader.TagLength;
        }
        else if (final && _currentLength == _sealedSize && _cipher.TryOpen(_index, final: false, sealedChunk, _plain))
        {
            // An intact chunk that is not the last one: the chunks after it are missing.
            if (!_recover)
            {
                throw new DecryptionException(DecryptionFailure.Truncated, "The envelope ends before its final chunk.");
            }

            Truncated = true;
            _plainLength = _currentLength - EnvelopeHeader.TagLength;
        }
        else if (_recover)
        {
            _lost.Add(_index);
        }
        else
        {
            throw new DecryptionException(DecryptionFailure.ChunkAuthenticationFailed, $"Chunk {_index} failed authentication: the data was altered, reordered or encrypted with another key.");
        }

        _index++;
        (_current, _next) = (_next, _current);
        _currentLength = _nextLength;
        _done = final;
    }
}
