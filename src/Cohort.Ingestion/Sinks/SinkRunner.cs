using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Cohort.Core;
using Cohort.Ingestion.Buffering;
using Cohort.Ingestion.Diagnostics;
using Cohort.Ingestion.Processing;
using Microsoft.Extensions.Logging;

namespace Cohort.Ingestion.Sinks;

/// <summary>
/// Feeds one sink from the log: reads committed records from its checkpoint on, batches them per tenant by size and
/// time, writes with retries (exponential backoff with jitter), dead-letters what the sink rejects and moves its
/// checkpoint only after the sink confirmed. A sink that is down holds back only itself.
/// </summary>
internal sealed class SinkRunner
{
    private readonly IPointWriter _writer;
    private readonly WriteAheadLog _log;
    private readonly CheckpointStore _checkpoints;
    private readonly IngestionOptions _options;
    private readonly IDeadLetterStore _deadLetters;
    private readonly IngestionMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _confirmed;
    private readonly Lock _lock = new();
    private volatile bool _draining;
    private WalPosition _checkpoint;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _waitingSince;
    private string? _lastError;

    public SinkRunner(string name, IPointWriter writer, WriteAheadLog log, CheckpointStore checkpoints, IngestionOptions options, IDeadLetterStore deadLetters, IngestionMetrics metrics, TimeProvider time, ILogger logger, Action confirmed)
    {
        Name = name;
        _writer = writer;
        _log = log;
        _checkpoints = checkpoints;
        _options = options;
        _deadLetters = deadLetters;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _confirmed = confirmed;
        _checkpoint = checkpoints.Load(name) is { } saved && saved >= log.Start ? saved : log.Start;
    }

    public string Name { get; }

    /// <summary>The position up to which the sink has confirmed every record.</summary>
    public WalPosition Checkpoint
    {
        get
        {
            lock (_lock)
            {
                return _checkpoint;
            }
        }
    }

    /// <summary>The sink's health now.</summary>
    public SinkHealth Health()
    {
        lock (_lock)
        {
            var lag = _log.BytesBetween(_checkpoint, _log.Committed);
            var stuck = lag > 0 && _waitingSince is { } since && _time.GetUtcNow() - since > _options.StuckAfter;
            return new SinkHealth(Name, lag, _lastSuccess, stuck, _lastError);
        }
    }

    /// <summary>Asks the runner to write what it holds at once and stop when it has caught up with the log.</summary>
    public void Drain() => _draining = true;

    public async Task RunAsync(ChannelReader<bool> signal, CancellationToken cancellationToken)
    {
        using var cursor = new WalCursor(Checkpoint);
        var pending = new Dictionary<Tenant, PointBatch>();
        var pendingPoints = 0;
        DateTimeOffset? pendingSince = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var draining = _draining; // read before the log, so a drain sees everything committed before it
            signal.TryRead(out _);
            while (pendingPoints < _options.BatchSize && TryRead(cursor, out var payload))
            {
                var tenant = BatchSerializer.ReadTenant(payload.Span);
                if (!pending.TryGetValue(tenant, out var batch))
                {
                    batch = new PointBatch();
                    pending[tenant] = batch;
                }

                var before = batch.PointCount;
                BatchSerializer.ReadInto(payload.Span, batch);
                pendingPoints += batch.PointCount - before;
                pendingSince ??= _time.GetUtcNow();
                MarkWaiting();
            }

            if (pendingPoints == 0)
            {
                if (cursor.Position != Checkpoint)
                {
                    // Only empty records or a segment boundary were passed: nothing to write, just move on.
                    Confirm(cursor.Position);
                }

                if (draining)
                {
                    return;
                }

                if (_draining)
                {
                    continue;
                }

                if (!await signal.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            var due = pendingSince!.Value + _options.BatchInterval;
            if (pendingPoints >= _options.BatchSize || _draining || _time.GetUtcNow() >= due)
            {
                await FlushAsync(pending, cancellationToken).ConfigureAwait(false);
                Confirm(cursor.Position);
                pendingPoints = 0;
                pendingSince = null;
                continue;
            }

            await WaitAsync(signal, due - _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryRead(WalCursor cursor, out ReadOnlyMemory<byte> payload)
    {
        try
        {
            return _log.TryRead(cursor, out payload);
        }
        catch (InvalidDataException ex)
        {
            // A record below the commit point went bad on disk: report it and go on with the next segment.
            LogMessages.SinkReadFailed(_logger, ex, Name, cursor.Position.ToString());
            _metrics.Corruption(0);
            cursor.MoveTo(new WalPosition(cursor.Position.Segment + 1, WriteAheadLog.SegmentHeaderSize));
            payload = default;
            return _log.TryRead(cursor, out payload);
        }
    }

    private async Task WaitAsync(ChannelReader<bool> signal, TimeSpan delay, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _time, cts.Token);
        var wake = signal.WaitToReadAsync(cts.Token).AsTask();
        await Task.WhenAny(timer, wake).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task FlushAsync(Dictionary<Tenant, PointBatch> pending, CancellationToken cancellationToken)
    {
        foreach (var (tenant, batch) in pending.ToArray())
        {
            if (!batch.IsEmpty)
            {
                await WriteWithRetriesAsync(tenant, batch, cancellationToken).ConfigureAwait(false);
            }

            pending.Remove(tenant);
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Any failure of a sink's write is retried (and logged); only a permanent CohortException stops the retries.")]
    private async Task WriteWithRetriesAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WriteResult result;
            try
            {
                result = await _writer.WriteAsync(tenant, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (CohortException ex) when (!ex.IsTransient)
            {
                LogMessages.SinkPermanentFailure(_logger, ex, Name, batch.PointCount);
                await DeadLetterBatchAsync(tenant, batch, ex.Message, cancellationToken).ConfigureAwait(false);
                SetError(ex.Message);
                return;
            }
            catch (Exception ex)
            {
                var delay = Backoff(attempt);
                SetError(ex.Message);
                _metrics.Retried(batch.PointCount, Name);
                LogMessages.SinkRetry(_logger, ex, Name, batch.PointCount, attempt, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var rejected = result.Rejections.IsDefaultOrEmpty ? 0 : result.Rejections.Length;
            if (rejected > 0)
            {
                var now = _time.GetUtcNow();
                var entries = result.Rejections.Select(r => new DeadLetter(now, tenant.Id, "-", "sink:" + Name, r.Reason)
                {
                    Line = r.Line,
                    Column = r.Column,
                    Field = r.Field,
                    Record = r.Record ?? RecordOf(batch, r.Index),
                }).ToList();
                await _deadLetters.AddAsync(entries, cancellationToken).ConfigureAwait(false);
                _metrics.Rejected(rejected, "sink:" + Name);
            }

            _metrics.Written(Math.Max(0, batch.PointCount - rejected), Name);
            lock (_lock)
            {
                _lastSuccess = _time.GetUtcNow();
                _lastError = null;
            }

            return;
        }
    }

    private async Task DeadLetterBatchAsync(Tenant tenant, PointBatch batch, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var entries = PointText.PointRanges(batch)
            .Select(r => new DeadLetter(now, tenant.Id, "-", "sink:" + Name, reason) { Record = PointText.Format(batch, r.Start, r.End) })
            .ToList();
        await _deadLetters.AddAsync(entries, cancellationToken).ConfigureAwait(false);
        _metrics.Rejected(entries.Count, "sink:" + Name);
    }

    private static string? RecordOf(PointBatch batch, int? row)
    {
        if (row is not { } r || (uint)r >= (uint)batch.ValueCount)
        {
            return null;
        }

        var start = r;
        while (start > 0 && batch.SeriesIds[start - 1] == batch.SeriesIds[r] && batch.Timestamps[start - 1] == batch.Timestamps[r])
        {
            start--;
        }

        var end = r + 1;
        while (end < batch.ValueCount && batch.SeriesIds[end] == batch.SeriesIds[r] && batch.Timestamps[end] == batch.Timestamps[r])
        {
            end++;
        }

        return PointText.Format(batch, start, end);
    }

    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Jitter for retry delays needs no cryptographic randomness.")]
    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var cap = Math.Min(exponential, _options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((cap / 2) + (Random.Shared.NextDouble() * cap / 2));
    }

    private void Confirm(WalPosition position)
    {
        _checkpoints.Save(Name, position);
        lock (_lock)
        {
            _checkpoint = position;
            _waitingSince = null;
        }

        _confirmed();
    }

    private void MarkWaiting()
    {
        lock (_lock)
        {
            _waitingSince ??= _time.GetUtcNow();
        }
    }

    private void SetError(string message)
    {
        lock (_lock)
        {
            _lastError = message;
        }
    }
}
