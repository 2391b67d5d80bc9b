using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Cohort.Ingestion.Buffering;
using Cohort.Ingestion.Diagnostics;
using Cohort.Ingestion.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Ingestion;

/// <summary>Options of a <see cref="DurableLog"/>.</summary>
public sealed class DurableLogOptions
{
    /// <summary>The folder of the log (segments in <c>log/</c>, reader checkpoints in <c>checkpoints/</c>). Default <c>cohort-data/log</c>.</summary>
    public string Directory { get; set; } = Path.Combine("cohort-data", "log");

    /// <summary>The most bytes the log may hold on disk; an append beyond it throws <see cref="BufferFullException"/>. Default 1 GiB.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>The size at which a segment is closed and a new one started; space is given back a whole segment at a time. Default 16 MiB.</summary>
    public long SegmentBytes { get; set; } = 16L << 20;

    /// <summary>When appends are forced to the disk. Default <see cref="FsyncPolicy.EveryBatch"/>: an append returns after its group was flushed to the device.</summary>
    public FsyncPolicy FsyncPolicy { get; set; } = FsyncPolicy.EveryBatch;

    /// <summary>The flush period under <see cref="FsyncPolicy.Interval"/>. Default 100 ms.</summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// The ingestion pipeline's write-ahead log as a standalone durable queue of opaque records: CRC-framed records in
/// numbered segment files, a torn or corrupt tail cut at open, bounded size, group-committed appends, and named
/// readers that each keep a durable checkpoint. Segments every reader has committed past are deleted.
/// Thread-safe for appends; each <see cref="DurableLogReader"/> is used by one task at a time.
/// </summary>
public sealed class DurableLog : IDisposable
{
    private readonly WriteAheadLog _log;
    private readonly CheckpointStore _checkpoints;
    private readonly DurableLogOptions _options;
    private readonly ILogger _logger;
    private readonly StandaloneMeterFactory? _ownedMeters;
    private readonly ITimer? _fsyncTimer;
    private readonly Lock _appendLock = new();
    private readonly Channel<bool> _flushSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Task _flusher;
    private readonly ByteWriter _frame = new();
    private readonly List<DurableLogReader> _readers = [];
    private TaskCompletionSource _group = NewGroup();
    private bool _full;
    private bool _disposed;

    private DurableLog(DurableLogOptions options, TimeProvider timeProvider, ILogger logger, IMeterFactory? meterFactory)
    {
        _options = options;
        _logger = logger;
        if (meterFactory is null)
        {
            _ownedMeters = new StandaloneMeterFactory();
        }

        _log = WriteAheadLog.Open(Path.Combine(options.Directory, "log"), options.SegmentBytes, logger, new IngestionMetrics(meterFactory ?? _ownedMeters!));
        _checkpoints = new CheckpointStore(Path.Combine(options.Directory, "checkpoints"));
        if (options.FsyncPolicy == FsyncPolicy.Interval)
        {
            _fsyncTimer = timeProvider.CreateTimer(static state => ((WriteAheadLog)state!).FlushToDisk(), _log, options.FsyncInterval, options.FsyncInterval);
        }

        _flusher = Task.Run(FlushLoopAsync, CancellationToken.None);
    }

    /// <summary>Gets the bytes the log holds on disk (records not yet deleted, whether read or not).</summary>
    public long TotalBytes => _log.TotalBytes;

    /// <summary>Gets the options the log was opened with.</summary>
    public DurableLogOptions Options => _options;

    /// <summary>Opens (or creates) a log in <see cref="DurableLogOptions.Directory"/>, checking every segment and cutting a torn or corrupt tail.</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock of the interval flush; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">Logs recovery and segment deletion; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>Cohort.Ingestion</c> meter (<c>cohort.ingestion.buffer.bytes</c>, <c>cohort.ingestion.buffer.corruptions</c>); a private one when <see langword="null"/>.</param>
    /// <returns>The open log.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static DurableLog Open(DurableLogOptions options, TimeProvider? timeProvider = null, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SegmentBytes, 1024, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, options.SegmentBytes, nameof(options));
        if (options.FsyncPolicy == FsyncPolicy.Interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FsyncInterval, TimeSpan.Zero, nameof(options));
        }

        return new DurableLog(options, timeProvider ?? TimeProvider.System, logger ?? NullLogger.Instance, meterFactory);
    }

    /// <summary>
    /// Appends one record and returns once it is durable under the <see cref="DurableLogOptions.FsyncPolicy"/> and
    /// visible to readers. Appends are committed in groups by one flusher (one flush for every record appended while
    /// the previous flush ran), so concurrent and back-to-back appends share the cost of the fsync. Records are read
    /// back in append order.
    /// </summary>
    /// <param name="record">The record (1 byte to 256 MiB).</param>
    /// <param name="cancellationToken">Cancels waiting for the group commit (the record may still be committed).</param>
    /// <returns>A task that completes when the record is committed.</returns>
    /// <exception cref="BufferFullException">The log holds <see cref="DurableLogOptions.MaxBytes"/>; nothing was written.</exception>
    public async ValueTask AppendAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
    {
        if (record.IsEmpty || record.Length > WriteAheadLog.MaxRecordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(record), record.Length, "A record must hold 1 byte to 256 MiB.");
        }

        Task committed;
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var total = _log.TotalBytes;
            if (total + record.Length + WriteAheadLog.FrameHeaderSize > _options.MaxBytes)
            {
                if (!_full)
                {
                    _full = true;
                    LogMessages.BufferFull(_logger, total, _options.MaxBytes);
                }

                throw new BufferFullException($"The durable log is full ({total} of {_options.MaxBytes} bytes) because its readers are behind; retry later.");
            }

            _full = false;
            _frame.Clear();
            _frame.Reserve(WriteAheadLog.FrameHeaderSize);
            _frame.WriteBytes(record.Span);
            WriteAheadLog.Frame(_frame, 0);
            _log.Append(_frame.WrittenSpan);
            committed = _group.Task;
        }

        _flushSignal.Writer.TryWrite(true);
        await committed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a named reader at its last committed checkpoint (or at the oldest record when it has none). Its
    /// checkpoint holds back the deletion of segments, so open a reader before relying on the log's bound.
    /// </summary>
    /// <param name="name">The reader's name: letters, digits, <c>_</c>, <c>-</c> and <c>.</c>; its checkpoint file is named after it.</param>
    /// <returns>The reader.</returns>
    /// <exception cref="ArgumentException">The name is empty or has other characters.</exception>
    /// <exception cref="InvalidOperationException">A reader of that name is open.</exception>
    public DurableLogReader OpenReader(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') || name.StartsWith('.'))
        {
            throw new ArgumentException($"The reader name '{name}' must contain only ASCII letters, digits, '_', '-' or '.'.", nameof(name));
        }

        lock (_readers)
        {
            if (_readers.Exists(r => string.Equals(r.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"The reader '{name}' is already open.");
            }

            var start = _log.Start;
            var position = _checkpoints.Load(name) is { } saved && saved >= start ? saved : start;
            var reader = new DurableLogReader(this, name, position, _log.Subscribe());
            _readers.Add(reader);
            return reader;
        }
    }

    /// <summary>Flushes and closes the log; open readers stop reading.</summary>
    public void Dispose()
    {
        lock (_appendLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _flushSignal.Writer.TryComplete();
        _flusher.GetAwaiter().GetResult();
        _fsyncTimer?.Dispose();
        _log.Dispose();
        _ownedMeters?.Dispose();
    }

    private static TaskCompletionSource NewGroup() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Commits the records appended since the last commit, and completes their appends (or fails them with the commit's error).</summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A failed flush is handed to every append waiting on it, not swallowed.")]
    private async Task FlushLoopAsync()
    {
        var reader = _flushSignal.Reader;
        var toDisk = _options.FsyncPolicy == FsyncPolicy.EveryBatch;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            reader.TryRead(out _);
            TaskCompletionSource group;
            lock (_appendLock)
            {
                group = _group;
                _group = NewGroup();
            }

            try
            {
                _log.Commit(toDisk);
                group.TrySetResult();
            }
            catch (Exception ex)
            {
                group.TrySetException(ex);
            }
        }

        // Closing: commit what is left for the appends still waiting.
        lock (_appendLock)
        {
            try
            {
                _log.Commit(toDisk);
                _group.TrySetResult();
            }
            catch (Exception ex)
            {
                _group.TrySetException(ex);
            }
        }
    }

    internal bool TryRead(WalCursor cursor, out ReadOnlyMemory<byte> record) => _log.TryRead(cursor, out record);

    internal long BytesBetween(WalPosition from, WalPosition to) => _log.BytesBetween(from, to);

    internal WalPosition CommittedEnd => _log.Committed;

    internal void Confirm(string name, WalPosition position)
    {
        _checkpoints.Save(name, position);
        WalPosition oldest;
        lock (_readers)
        {
            oldest = _readers.Min(r => r.Checkpoint);
        }

        _log.DeleteBefore(oldest);
    }

    internal void Remove(DurableLogReader reader)
    {
        lock (_readers)
        {
            _readers.Remove(reader);
        }
    }
}

/// <summary>
/// One named reader of a <see cref="DurableLog"/>: reads records in order from its checkpoint, and
/// <see cref="Commit"/> makes the position after the last record read its durable checkpoint. After a restart it
/// starts again from that checkpoint, so records read but not committed are read again (at-least-once).
/// </summary>
public sealed class DurableLogReader : IDisposable
{
    private readonly DurableLog _owner;
    private readonly WalCursor _cursor;
    private readonly ChannelReader<bool> _signal;
    private readonly Lock _checkpointLock = new();
    private WalPosition _checkpoint;
    private WalPosition _read;

    internal DurableLogReader(DurableLog owner, string name, WalPosition checkpoint, ChannelReader<bool> signal)
    {
        _owner = owner;
        Name = name;
        _checkpoint = checkpoint;
        _cursor = new WalCursor(checkpoint);
        _read = checkpoint;
        _signal = signal;
    }

    /// <summary>Gets the reader's name.</summary>
    public string Name { get; }

    /// <summary>Gets the bytes committed to the log after the last record this reader read (its backlog).</summary>
    public long PendingBytes
    {
        get
        {
            WalPosition read;
            lock (_checkpointLock)
            {
                read = _read;
            }

            return _owner.BytesBetween(read, _owner.CommittedEnd);
        }
    }

    internal WalPosition Checkpoint
    {
        get
        {
            lock (_checkpointLock)
            {
                return _checkpoint;
            }
        }
    }

    /// <summary>Reads the next committed record, if there is one.</summary>
    /// <param name="record">The record; its memory is valid only until the next call.</param>
    /// <returns><see langword="true"/> when a record was read.</returns>
    /// <exception cref="InvalidDataException">The log is damaged at the reader's position.</exception>
    public bool TryRead(out ReadOnlyMemory<byte> record)
    {
        if (!_owner.TryRead(_cursor, out record))
        {
            return false;
        }

        lock (_checkpointLock)
        {
            _read = _cursor.Position;
        }

        return true;
    }

    /// <summary>Waits until records may have been committed since the last wait; call <see cref="TryRead"/> until it returns <see langword="false"/> between waits.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="false"/> when the log was closed.</returns>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (!await _signal.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        _signal.TryRead(out _);
        return true;
    }

    /// <summary>Makes the position after the last record read this reader's durable checkpoint, and deletes the segments every reader has passed.</summary>
    public void Commit()
    {
        if (_cursor.Position == Checkpoint)
        {
            return;
        }

        lock (_checkpointLock)
        {
            _checkpoint = _cursor.Position;
        }

        _owner.Confirm(Name, _cursor.Position);
    }

    /// <summary>Closes the reader (its checkpoint stays on disk).</summary>
    public void Dispose()
    {
        _owner.Remove(this);
        _cursor.Dispose();
    }
}
