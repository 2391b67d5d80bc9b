using System.Buffers.Binary;
using System.Globalization;
using System.Threading.Channels;
using Cohort.Ingestion.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Cohort.Ingestion.Buffering;

/// <summary>
/// The durable buffer: numbered segment files of framed records (<c>u32 length, u32 CRC-32C, payload</c>) after an
/// 8-byte header (<c>CWAL</c>, version, 3 reserved bytes). One writer appends; any number of cursors read what has
/// been committed; segments every sink has passed are deleted. See docs/ingestion.md.
/// </summary>
internal sealed class WriteAheadLog : IDisposable
{
    public const int SegmentHeaderSize = 8;
    public const int FrameHeaderSize = 8;
    public const int MaxRecordBytes = 256 << 20;
    public const byte FormatVersion = 1;
    private const string Extension = ".wal";
    private static ReadOnlySpan<byte> Magic => "CWAL"u8;

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly IngestionMetrics _metrics;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, long> _segments = []; // id -> size on disk (the active one grows)
    private readonly List<Channel<bool>> _subscribers = [];
    private FileStream? _active;
    private long _activeId;
    private long _written;
    private WalPosition _committed;
    private long _totalBytes;
    private bool _dirty;
    private bool _disposed;

    private WriteAheadLog(string directory, long segmentBytes, ILogger logger, IngestionMetrics metrics)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>The bytes the log holds on disk.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_lock)
            {
                return _totalBytes;
            }
        }
    }

    /// <summary>The end of what has been committed (durable under the fsync policy) and is visible to cursors.</summary>
    public WalPosition Committed
    {
        get
        {
            lock (_lock)
            {
                return _committed;
            }
        }
    }

    /// <summary>The position of the oldest record kept.</summary>
    public WalPosition Start
    {
        get
        {
            lock (_lock)
            {
                return new WalPosition(_segments.Keys.First(), SegmentHeaderSize);
            }
        }
    }

    /// <summary>Opens (or creates) the log in a folder, checking every segment and cutting a torn or corrupt tail.</summary>
    public static WriteAheadLog Open(string directory, long segmentBytes, ILogger logger, IngestionMetrics metrics)
    {
        Directory.CreateDirectory(directory);
        var log = new WriteAheadLog(directory, segmentBytes, logger, metrics);
        log.Recover();
        return log;
    }

    /// <summary>A channel that receives a signal whenever new records are committed.</summary>
    public ChannelReader<bool> Subscribe()
    {
        var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }

        channel.Writer.TryWrite(true);
        return channel.Reader;
    }

    /// <summary>Appends framed records (see <see cref="Frame"/>); they become visible on <see cref="Commit"/>.</summary>
    public void Append(ReadOnlySpan<byte> frames)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_written >= _segmentBytes)
            {
                RollSegment();
            }

            _active!.Write(frames);
            _written += frames.Length;
            _segments[_activeId] = _written;
            _totalBytes += frames.Length;
            _dirty = true;
        }
    }

    /// <summary>Writes appended records to the operating system (and to the device when <paramref name="toDisk"/>), then makes them visible to cursors.</summary>
    public void Commit(bool toDisk)
    {
        List<Channel<bool>> subscribers;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _active!.Flush(toDisk);
            if (toDisk)
            {
                _dirty = false;
            }

            var end = new WalPosition(_activeId, _written);
            if (end == _committed)
            {
                return;
            }

            _committed = end;
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Writer.TryWrite(true);
        }
    }

    /// <summary>Signals every cursor to look at the log again.</summary>
    public void Wake()
    {
        List<Channel<bool>> subscribers;
        lock (_lock)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Writer.TryWrite(true);
        }
    }

    /// <summary>Forces written records to the device if any are not yet (the interval fsync policy).</summary>
    public void FlushToDisk()
    {
        lock (_lock)
        {
            if (_disposed || !_dirty)
            {
                return;
            }

            _active!.Flush(true);
            _dirty = false;
        }
    }

    /// <summary>Deletes the closed segments that lie wholly before <paramref name="position"/> (the oldest sink checkpoint).</summary>
    public void DeleteBefore(WalPosition position)
    {
        List<long> doomed = [];
        lock (_lock)
        {
            foreach (var (id, size) in _segments)
            {
                if (id == _activeId || id > position.Segment || (id == position.Segment && position.Offset < size))
                {
                    break;
                }

                doomed.Add(id);
            }

            foreach (var id in doomed)
            {
                _totalBytes -= _segments[id];
                _segments.Remove(id);
            }
        }

        foreach (var id in doomed)
        {
            File.Delete(SegmentPath(id));
            LogMessages.SegmentDeleted(_logger, id);
        }

        _metrics.SetBufferBytes(TotalBytes);
    }

    /// <summary>The bytes between two positions (a sink's lag).</summary>
    public long BytesBetween(WalPosition from, WalPosition to)
    {
        lock (_lock)
        {
            if (from >= to)
            {
                return 0;
            }

            if (from.Segment == to.Segment)
            {
                return to.Offset - from.Offset;
            }

            long total = 0;
            foreach (var (id, size) in _segments)
            {
                if (id < from.Segment || id > to.Segment)
                {
                    continue;
                }

                total += id == from.Segment ? Math.Max(0, size - from.Offset) : id == to.Segment ? to.Offset : size;
            }

            return total;
        }
    }

    /// <summary>Frames a payload in place: <paramref name="writer"/> holds 8 reserved bytes then the payload.</summary>
    public static void Frame(ByteWriter writer, int frameStart)
    {
        var span = writer.WrittenSpanMutable[frameStart..];
        var length = span.Length - FrameHeaderSize;
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
        var crc = Crc32C.Append(uint.MaxValue, span[..4]);
        crc = ~Crc32C.Append(crc, span[FrameHeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], crc);
    }

    /// <summary>
    /// Reads the record at the cursor if one is committed there, moving on to the next segment at the end of a
    /// closed one. On success the cursor is after the record and <paramref name="payload"/> is in its buffer.
    /// </summary>
    public bool TryRead(WalCursor cursor, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        while (true)
        {
            WalPosition committed;
            long segmentSize;
            long? next = null;
            lock (_lock)
            {
                committed = _committed;
                var position = cursor.Position;
                if (!_segments.TryGetValue(position.Segment, out segmentSize))
                {
                    // The segment is gone (deleted before the cursor got there, or cut at recovery): go to the next one.
                    next = _segments.Keys.FirstOrDefault(id => id > position.Segment, -1);
                    if (next == -1 || position.Segment > committed.Segment)
                    {
                        return false;
                    }
                }
                else if (position.Segment == committed.Segment)
                {
                    segmentSize = committed.Offset;
                }
                else if (position.Segment > committed.Segment)
                {
                    return false;
                }

                if (next is null && position.Offset >= segmentSize)
                {
                    if (position.Segment >= committed.Segment)
                    {
                        return false;
                    }

                    next = _segments.Keys.FirstOrDefault(id => id > position.Segment, -1);
                    if (next == -1)
                    {
                        return false;
                    }
                }
            }

            if (next is { } nextId)
            {
                cursor.MoveTo(new WalPosition(nextId, SegmentHeaderSize));
                continue;
            }

            var handle = cursor.GetHandle(SegmentPath(cursor.Position.Segment));
            var offset = cursor.Position.Offset;
            Span<byte> header = stackalloc byte[FrameHeaderSize];
            if (segmentSize - offset < FrameHeaderSize || RandomAccess.Read(handle, header, offset) < FrameHeaderSize)
            {
                throw new InvalidDataException($"The write-ahead log segment {cursor.Position.Segment} ends inside a record at {offset}.");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var expected = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (length > MaxRecordBytes || offset + FrameHeaderSize + length > segmentSize)
            {
                throw new InvalidDataException($"The write-ahead log record at {cursor.Position} has an impossible length {length}.");
            }

            var buffer = cursor.Buffer((int)length);
            if (RandomAccess.Read(handle, buffer.Span, offset + FrameHeaderSize) < length)
            {
                throw new InvalidDataException($"The write-ahead log record at {cursor.Position} is truncated.");
            }

            var crc = ~Crc32C.Append(Crc32C.Append(uint.MaxValue, header[..4]), buffer.Span);
            if (crc != expected)
            {
                throw new InvalidDataException($"The write-ahead log record at {cursor.Position} fails its checksum.");
            }

            cursor.MoveTo(new WalPosition(cursor.Position.Segment, offset + FrameHeaderSize + length));
            payload = buffer;
            return true;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_active is not null)
            {
                _active.Flush(true);
                _active.Dispose();
            }

            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
        }
    }

    internal string SegmentPath(long id) => Path.Combine(_directory, id.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    private void Recover()
    {
        var ids = new List<long>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        ids.Sort();
        foreach (var id in ids)
        {
            var size = Check(id);
            if (size >= 0)
            {
                _segments[id] = size;
                _totalBytes += size;
            }
        }

        _activeId = ids.Count == 0 ? 1 : ids[^1] + 1;
        OpenActive();
        _committed = new WalPosition(_activeId, _written);
        _metrics.SetBufferBytes(_totalBytes);
    }

    /// <summary>Checks a segment's records, cutting it at the first torn or corrupt one; -1 when the segment was removed.</summary>
    private long Check(long id)
    {
        var path = SegmentPath(id);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var length = RandomAccess.GetLength(handle);
        Span<byte> header = stackalloc byte[SegmentHeaderSize];
        if (length < SegmentHeaderSize || RandomAccess.Read(handle, header, 0) < SegmentHeaderSize ||
            !header[..4].SequenceEqual(Magic) || header[4] != FormatVersion)
        {
            handle.Dispose();
            LogMessages.CorruptSegmentRemoved(_logger, path, length);
            _metrics.Corruption(length);
            File.Delete(path);
            return -1;
        }

        var offset = (long)SegmentHeaderSize;
        var frame = new byte[FrameHeaderSize];
        var payload = new byte[64 * 1024];
        string? problem = null;
        while (offset < length)
        {
            if (length - offset < FrameHeaderSize)
            {
                problem = "the file ends inside a record header";
                break;
            }

            RandomAccess.Read(handle, frame, offset);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            if (size > MaxRecordBytes || offset + FrameHeaderSize + size > length)
            {
                problem = $"the record length {size} runs past the end of the file";
                break;
            }

            if (payload.Length < size)
            {
                payload = new byte[Math.Max(size, payload.Length * 2)];
            }

            RandomAccess.Read(handle, payload.AsSpan(0, (int)size), offset + FrameHeaderSize);
            var crc = ~Crc32C.Append(Crc32C.Append(uint.MaxValue, frame.AsSpan(0, 4)), payload.AsSpan(0, (int)size));
            if (crc != BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(4)))
            {
                problem = "the record fails its checksum";
                break;
            }

            offset += FrameHeaderSize + size;
        }

        if (problem is not null)
        {
            LogMessages.TornTailCut(_logger, path, offset, length - offset, problem);
            _metrics.Corruption(length - offset);
            RandomAccess.SetLength(handle, offset);
            RandomAccess.FlushToDisk(handle);
        }

        return offset;
    }

    private void OpenActive()
    {
        var stream = new FileStream(SegmentPath(_activeId), FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, 64 * 1024);
        Span<byte> header = stackalloc byte[SegmentHeaderSize];
        Magic.CopyTo(header);
        header[4] = FormatVersion;
        stream.Write(header);
        stream.Flush(true);
        _active = stream;
        _written = SegmentHeaderSize;
        _segments[_activeId] = _written;
        _totalBytes += SegmentHeaderSize;
    }

    private void RollSegment()
    {
        _active!.Flush(true);
        _active.Dispose();
        _activeId++;
        OpenActive();
    }
}

/// <summary>A reader's place in the log, with the open segment file and a reusable record buffer.</summary>
internal sealed class WalCursor : IDisposable
{
    private SafeFileHandle? _handle;
    private string? _handlePath;
    private byte[] _buffer = new byte[64 * 1024];

    public WalCursor(WalPosition position) => Position = position;

    public WalPosition Position { get; private set; }

    public void MoveTo(WalPosition position) => Position = position;

    public SafeFileHandle GetHandle(string path)
    {
        if (_handle is null || !string.Equals(_handlePath, path, StringComparison.Ordinal))
        {
            _handle?.Dispose();
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _handlePath = path;
        }

        return _handle;
    }

    public Memory<byte> Buffer(int length)
    {
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }

        return _buffer.AsMemory(0, length);
    }

    public void Dispose() => _handle?.Dispose();
}
