using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Cohort.Core;
using Cohort.Ingestion.Buffering;
using Cohort.Ingestion.Diagnostics;
using Cohort.Ingestion.Processing;
using Cohort.Ingestion.Sinks;
using Microsoft.Extensions.Logging;

namespace Cohort.Ingestion.Pipeline;

/// <summary>
/// The engine: decode → enrich → validate → processors → derive → durable log (group-committed by one writer over a
/// bounded channel) → acknowledgement; then one runner per sink reads the log from its own checkpoint.
/// </summary>
internal sealed class IngestionPipeline : IIngestor, IAsyncDisposable, IDisposable
{
    private const int MaxGroup = 512;

    private readonly IngestionOptions _options;
    private readonly IPayloadDecoder[] _decoders;
    private readonly IPointProcessor[] _processors;
    private readonly (string Name, IPointWriter Writer)[] _sinks;
    private readonly IDeadLetterStore _deadLetters;
    private readonly ITenantAuthorizer _authorizer;
    private readonly TimeProvider _time;
    private readonly IngestionMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<ByteWriter> _buffers = new();
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Channel<PendingWrite>? _queue;
    private WriteAheadLog? _log;
    private SinkRunner[] _runners = [];
    private Task[] _runnerTasks = [];
    private Task? _writerTask;
    private Task? _fsyncTask;
    private int _state; // 0 new, 1 running, 2 stopped
    private int _shutDown;

    public IngestionPipeline(
        IngestionOptions options,
        IEnumerable<IPayloadDecoder> decoders,
        IEnumerable<IPointProcessor> processors,
        IEnumerable<(string Name, IPointWriter Writer)> sinks,
        IDeadLetterStore deadLetters,
        ITenantAuthorizer authorizer,
        TimeProvider timeProvider,
        IngestionMetrics metrics,
        ILogger logger)
    {
        _options = options;
        _decoders = [.. decoders];
        _processors = [.. processors];
        _sinks = [.. sinks];
        _deadLetters = deadLetters;
        _authorizer = authorizer;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The sinks' runners, for health reports.</summary>
    public IReadOnlyList<SinkRunner> Runners => _runners;

    /// <summary>The bytes the durable buffer holds.</summary>
    public long BufferBytes => _log?.TotalBytes ?? 0;

    public IngestionOptions Options => _options;

    /// <summary>Opens the log (recovering it), and starts the writer and the sink runners, which replay what sinks have not confirmed.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateLock)
        {
            if (_state != 0)
            {
                throw new InvalidOperationException("The ingestion pipeline has already been started.");
            }

            _state = 1;
        }

        cancellationToken.ThrowIfCancellationRequested();
        _log = WriteAheadLog.Open(Path.Combine(_options.BufferDirectory, "log"), _options.SegmentBytes, _logger, _metrics);
        var checkpoints = new CheckpointStore(Path.Combine(_options.BufferDirectory, "checkpoints"));
        _runners = [.. _sinks.Select(s => new SinkRunner(s.Name, s.Writer, _log, checkpoints, _options, _deadLetters, _metrics, _time, _logger, OnConfirmed))];
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _writerTask = Task.Run(WriteLoopAsync, CancellationToken.None);
        _runnerTasks = [.. _runners.Select(r => { var signal = _log.Subscribe(); return Task.Run(() => r.RunAsync(signal, _stopping.Token), CancellationToken.None); })];
        if (_options.FsyncPolicy == FsyncPolicy.Interval)
        {
            _fsyncTask = Task.Run(FsyncLoopAsync, CancellationToken.None);
        }

        OnConfirmed();
        LogMessages.Started(_logger, _options.BufferDirectory, _log.TotalBytes, string.Join(", ", _sinks.Select(s => s.Name)));
        return Task.CompletedTask;
    }

    public async ValueTask<IngestAck> IngestAsync(IngestMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Volatile.Read(ref _state) != 1)
        {
            throw new InvalidOperationException("The ingestion pipeline is not running: start the host (or the pipeline) first.");
        }

        var started = _time.GetTimestamp();
        if (!await _authorizer.IsAllowedAsync(message.SourceId, message.Tenant, cancellationToken).ConfigureAwait(false))
        {
            return await RefuseAsync(message, "authorize", $"The source '{message.SourceId}' may not write data of tenant '{message.Tenant}'.", cancellationToken).ConfigureAwait(false);
        }

        var decoder = Array.Find(_decoders, d => d.CanDecode(message.ContentType));
        if (decoder is null)
        {
            return await RefuseAsync(message, "decode", $"No decoder accepts the content type '{message.ContentType}'.", cancellationToken).ConfigureAwait(false);
        }

        var decoded = await decoder.DecodeAsync(message, cancellationToken).ConfigureAwait(false);
        _metrics.Received(decoded.Batch.PointCount);
        var context = new ProcessingContext(message, decoded.Batch);
        foreach (var processor in _processors)
        {
            await processor.ProcessAsync(context, cancellationToken).ConfigureAwait(false);
        }

        var rejections = decoded.Rejections.IsDefaultOrEmpty ? [.. context.Rejections] : decoded.Rejections.AddRange(context.Rejections);
        if (rejections.Length > 0)
        {
            var now = _time.GetUtcNow();
            var entries = new List<DeadLetter>(rejections.Length);
            for (var i = 0; i < rejections.Length; i++)
            {
                entries.Add(ToDeadLetter(message, i < decoded.Rejections.Length ? "decode" : "validate", rejections[i], now));
            }

            await _deadLetters.AddAsync(entries, cancellationToken).ConfigureAwait(false);
            if (decoded.Rejections.Length > 0)
            {
                _metrics.Rejected(decoded.Rejections.Length, "decode");
            }

            if (context.Rejections.Count > 0)
            {
                _metrics.Rejected(context.Rejections.Count, "validate");
            }
        }

        var batch = context.Batch;
        var accepted = batch.PointCount;
        if (accepted > 0)
        {
            await AppendAsync(message.Tenant, batch, cancellationToken).ConfigureAwait(false);
            _metrics.Acknowledged(accepted);
        }

        _metrics.AckLatency(_time.GetElapsedTime(started));
        return new IngestAck(accepted, rejections);
    }

    /// <summary>Stops taking messages, writes what is queued, then lets sinks catch up until <paramref name="cancellationToken"/> fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateLock)
        {
            if (_state != 1)
            {
                return;
            }

            _state = 2;
        }

        _queue!.Writer.TryComplete();
        await _writerTask!.ConfigureAwait(false);
        foreach (var runner in _runners)
        {
            runner.Drain();
        }

        _log!.Commit(toDisk: true);
        _log.Wake();
        try
        {
            await Task.WhenAll(_runnerTasks).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown time is up: what sinks have not confirmed is replayed at the next start.
        }

        await ShutdownAsync().ConfigureAwait(false);
    }

    /// <summary>Stops at once: sinks stop where they are and replay the rest at the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        var wasRunning = false;
        lock (_stateLock)
        {
            wasRunning = _state == 1;
            _state = 2;
        }

        if (wasRunning)
        {
            _queue!.Writer.TryComplete();
            await _writerTask!.ConfigureAwait(false);
        }

        await ShutdownAsync().ConfigureAwait(false);
    }

    /// <summary>For containers disposed synchronously: stops at once, as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task ShutdownAsync()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);

        foreach (var task in _runnerTasks)
        {
            await task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (_fsyncTask is not null)
        {
            await _fsyncTask.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }

        _log?.Dispose();
        _stopping.Dispose();
    }

    private async Task AppendAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken)
    {
        if (!_buffers.TryDequeue(out var buffer))
        {
            buffer = new ByteWriter();
        }

        buffer.Clear();
        buffer.Reserve(WriteAheadLog.FrameHeaderSize);
        BatchSerializer.Write(buffer, tenant, batch);
        WriteAheadLog.Frame(buffer, 0);
        if (_log!.TotalBytes + buffer.Length > _options.MaxBufferBytes)
        {
            _buffers.Enqueue(buffer);
            throw BufferFull();
        }

        var pending = new PendingWrite(buffer);
        await _queue!.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        try
        {
            await pending.Completion.Task.ConfigureAwait(false);
        }
        finally
        {
            _buffers.Enqueue(buffer);
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A failed disk write is handed to every sender waiting on it, not swallowed.")]
    private async Task WriteLoopAsync()
    {
        var reader = _queue!.Reader;
        var group = new List<PendingWrite>(MaxGroup);
        var toDisk = _options.FsyncPolicy == FsyncPolicy.EveryBatch;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            Exception? failure = null;
            try
            {
                var bytes = _log!.TotalBytes;
                while (group.Count < MaxGroup && reader.TryRead(out var item))
                {
                    if (bytes + item.Buffer.Length > _options.MaxBufferBytes)
                    {
                        item.Completion.TrySetException(BufferFull());
                        continue;
                    }

                    _log.Append(item.Buffer.WrittenSpan);
                    bytes += item.Buffer.Length;
                    group.Add(item);
                }

                _log.Commit(toDisk);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            _metrics.SetBufferBytes(_log!.TotalBytes);
            foreach (var item in group)
            {
                if (failure is null)
                {
                    item.Completion.TrySetResult();
                }
                else
                {
                    item.Completion.TrySetException(failure);
                }
            }
        }
    }

    private async Task FsyncLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.FsyncInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                _log!.FlushToDisk();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the log flushes itself when disposed.
        }
    }

    private void OnConfirmed()
    {
        var log = _log;
        if (log is null || _runners.Length == 0)
        {
            return;
        }

        var oldest = _runners.Min(r => r.Checkpoint);
        log.DeleteBefore(oldest);
    }

    private BufferFullException BufferFull()
    {
        LogMessages.BufferFull(_logger, _log!.TotalBytes, _options.MaxBufferBytes);
        return new BufferFullException($"The ingestion buffer is full ({_log.TotalBytes} of {_options.MaxBufferBytes} bytes) because sinks are behind; retry later.");
    }

    private async ValueTask<IngestAck> RefuseAsync(IngestMessage message, string stage, string reason, CancellationToken cancellationToken)
    {
        LogMessages.MessageRefused(_logger, message.SourceId, message.Tenant.Id, reason);
        var record = PointText.Truncate(System.Text.Encoding.UTF8.GetString(message.Payload.Span[..Math.Min(message.Payload.Length, PointText.MaxLength)]));
        var rejection = new Rejection(reason) { Record = record };
        await _deadLetters.AddAsync([ToDeadLetter(message, stage, rejection, _time.GetUtcNow())], cancellationToken).ConfigureAwait(false);
        _metrics.Rejected(1, stage);
        return new IngestAck(0, [rejection]) { IsRefused = true };
    }

    private static DeadLetter ToDeadLetter(IngestMessage message, string stage, Rejection rejection, DateTimeOffset now) =>
        new(now, message.Tenant.Id, message.SourceId, stage, rejection.Reason)
        {
            Line = rejection.Line,
            Column = rejection.Column,
            Field = rejection.Field,
            Record = rejection.Record,
        };

    private sealed class PendingWrite(ByteWriter buffer)
    {
        public ByteWriter Buffer { get; } = buffer;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
