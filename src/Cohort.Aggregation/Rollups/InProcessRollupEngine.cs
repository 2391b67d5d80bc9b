using Cohort.Aggregation.Rollups;
using Cohort.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Aggregation;

/// <summary>
/// Continuous rollups of time series, in process, over any store (what SGMP gets from TimescaleDB's continuous
/// aggregates). Each rollup keeps count, sum, min, max, avg, first and last per period bucket:
/// <list type="bullet">
/// <item><see cref="RefreshAllAsync"/> materialises the buckets that ended more than the refresh lag ago, reading only the
/// new range from the store (incremental);</item>
/// <item><see cref="Invalidate"/> (called by <see cref="RollupInvalidatingPointWriter"/> after each write) marks the
/// materialised buckets a late point lands in, which are read from raw until the next refresh recomputes them;</item>
/// <item>a purge of raw points through <see cref="RollupPreservingPointDeleter"/> first makes the buckets before its cutoff
/// final, so they keep the purged points;</item>
/// <item><see cref="DeleteBucketsBeforeAsync"/> (rollup retention) deletes the whole buckets before a cutoff for good:
/// they are not recomputed from raw points, by a query, a refresh or a late point;</item>
/// <item><see cref="QueryAsync"/> is the real-time view: clean materialised buckets plus the not-yet-rolled-up raw tail
/// (and any invalidated bucket) aggregated on the fly, so answers are always those of the raw data.</item>
/// </list>
/// Rollups are created and dropped through <see cref="IRollupManager"/>. Thread-safe.
/// </summary>
public sealed partial class InProcessRollupEngine : IRollupManager, IRollupReader, IRollupRefresher, IRollupBucketDeleter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<RollupDefinition, Rollup> _rollups = [];
    private readonly IPointReader _reader;
    private readonly TimeProvider _timeProvider;
    private readonly long _lagNanoseconds;
    private readonly ILogger _logger;

    /// <summary>Creates an engine reading raw points from a store.</summary>
    /// <param name="reader">The store the rolled-up points are read from.</param>
    /// <param name="options">Options (refresh lag); defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where refreshes are logged.</param>
    public InProcessRollupEngine(IPointReader reader, AggregationOptions? options = null, TimeProvider? timeProvider = null, ILogger<InProcessRollupEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        var lag = (options ?? new AggregationOptions()).RollupRefreshLag;
        ArgumentOutOfRangeException.ThrowIfLessThan(lag, TimeSpan.Zero, nameof(options));
        _lagNanoseconds = lag.Ticks * 100;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The rollups currently maintained.</summary>
    public IReadOnlyList<RollupDefinition> Rollups
    {
        get
        {
            lock (_lock)
            {
                return [.. _rollups.Keys];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask EnsureRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        Validate(rollup);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_rollups.ContainsKey(rollup))
            {
                _rollups[rollup] = new Rollup(rollup);
                LogEnsured(_logger, rollup.Tenant.Id, rollup.Field.ToString(), rollup.Period);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DropRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_rollups.Remove(rollup))
            {
                LogDropped(_logger, rollup.Tenant.Id, rollup.Field.ToString(), rollup.Period);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Notes points written to a tenant's store: materialised buckets they land in (late data) are marked for
    /// recomputation. Cheap (a few comparisons per row); call it after every write, or wrap the writer in a
    /// <see cref="RollupInvalidatingPointWriter"/>.
    /// </summary>
    public void Invalidate(Tenant tenant, PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            if (_rollups.Count == 0 || batch.IsEmpty)
            {
                return;
            }

            foreach (var rollup in _rollups.Values)
            {
                if (rollup.Definition.Tenant != tenant || rollup.InvalidateBelow == long.MinValue)
                {
                    continue;
                }

                var seriesMatch = new sbyte[batch.SeriesCount];
                var fieldMatch = new sbyte[Math.Max(1, batch.FieldIds.Length == 0 ? 0 : MaxId(batch.FieldIds) + 1)];
                var timestamps = batch.Timestamps;
                var series = batch.SeriesIds;
                var fields = batch.FieldIds;
                for (var row = 0; row < timestamps.Length; row++)
                {
                    ref var s = ref seriesMatch[series[row]];
                    if (s == 0)
                    {
                        s = string.Equals(batch.GetSeries(series[row]).Measurement, rollup.Definition.Field.Device, StringComparison.Ordinal) ? (sbyte)1 : (sbyte)-1;
                    }

                    ref var f = ref fieldMatch[fields[row]];
                    if (f == 0)
                    {
                        f = string.Equals(batch.GetFieldKey(fields[row]), rollup.Definition.Field.Field, StringComparison.Ordinal) ? (sbyte)1 : (sbyte)-1;
                    }

                    if (s > 0 && f > 0 && timestamps[row] < rollup.InvalidateBelow && timestamps[row] >= rollup.FirstBucketStart && timestamps[row] >= rollup.FinalBelow)
                    {
                        rollup.Dirty.Add(rollup.BucketStart(timestamps[row]));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Materialises every maintained rollup up to the start of the bucket holding now minus the refresh lag, and
    /// recomputes the buckets invalidated by late points. Run it on a schedule (e.g. every period).
    /// </summary>
    public async ValueTask RefreshAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var definition in Rollups)
        {
            await RefreshAsync(definition, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Refreshes one rollup; see <see cref="RefreshAllAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The rollup is not maintained.</exception>
    public ValueTask RefreshAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        return RefreshCoreAsync(rollup, long.MinValue, waitForRunning: false, cancellationToken);
    }

    /// <summary>
    /// Makes the buckets of <paramref name="tenant"/>'s rollups before the end of the bucket holding
    /// <paramref name="before"/> final, ahead of a purge of the raw points before it: they are materialised now (the
    /// bucket holding the cutoff too, even within the refresh lag) and late points below that floor no longer
    /// recompute them from the raw points that are left. <see cref="RollupPreservingPointDeleter"/> calls it.
    /// </summary>
    internal async ValueTask FreezeBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken)
    {
        foreach (var definition in Rollups.Where(r => r.Tenant == tenant))
        {
            if (before <= definition.FirstBucketStart)
            {
                continue;
            }

            if (Find(definition) is not { } state)
            {
                continue; // dropped meanwhile
            }

            var floor = state.BucketEnd(state.BucketStart(before - 1));
            await RefreshCoreAsync(definition, floor, waitForRunning: true, cancellationToken).ConfigureAwait(false);

            lock (_lock)
            {
                state.PurgeFloor = Math.Max(state.PurgeFloor, Math.Min(floor, state.Watermark));
                state.Dirty.RemoveWhere(bucket => bucket < state.PurgeFloor);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each rollup's buckets are deleted while its refresh gate is held (a running refresh finishes first), and its
    /// watermark moves up to the deletion floor, so the deleted range is neither read from raw nor materialised again.
    /// </remarks>
    public async ValueTask DeleteBucketsBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        foreach (var definition in Rollups.Where(r => r.Tenant == tenant))
        {
            if (before < definition.FirstBucketStart)
            {
                continue;
            }

            if (Find(definition) is not { } state)
            {
                continue; // dropped meanwhile
            }

            var floor = definition.BucketStart(before);
            await state.RefreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                int deleted;
                lock (_lock)
                {
                    if (floor <= state.DeletedFloor)
                    {
                        continue;
                    }

                    state.DeletedFloor = floor;
                    var gone = state.Buckets.Keys.Where(bucket => bucket < floor).ToList();
                    foreach (var bucket in gone)
                    {
                        state.Buckets.Remove(bucket);
                    }

                    deleted = gone.Count;

                    state.Dirty.RemoveWhere(bucket => bucket < floor);
                    if (state.Watermark < floor)
                    {
                        // Nothing below the floor is read from raw or materialised again.
                        state.Watermark = floor;
                        state.InvalidateBelow = floor;
                    }
                }

                LogBucketsDeleted(_logger, definition.Tenant.Id, definition.Field.ToString(), deleted, floor);
            }
            finally
            {
                state.RefreshGate.Release();
            }
        }
    }

    /// <summary>
    /// Refreshes a rollup up to now minus the lag, and at least to <paramref name="atLeast"/>. When a refresh of it is
    /// already running, returns at once (a scheduled refresh) or waits for it and refreshes again (a purge).
    /// </summary>
    private async ValueTask RefreshCoreAsync(RollupDefinition rollup, long atLeast, bool waitForRunning, CancellationToken cancellationToken)
    {
        var state = Find(rollup) ?? throw new InvalidOperationException($"The rollup of {rollup.Field} for {rollup.Tenant} is not maintained.");
        if (waitForRunning)
        {
            await state.RefreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (!state.RefreshGate.Wait(0, CancellationToken.None))
        {
            return;
        }

        try
        {
            await RefreshLockedAsync(rollup, state, atLeast, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            state.RefreshGate.Release();
        }
    }

    /// <summary>One refresh of a rollup, its <see cref="Rollup.RefreshGate"/> held.</summary>
    private async ValueTask RefreshLockedAsync(RollupDefinition rollup, Rollup state, long atLeast, CancellationToken cancellationToken)
    {
        long from, to;
        long[] dirty;
        lock (_lock)
        {
            var now = Timestamps.Now(_timeProvider);
            from = state.Watermark;
            to = Math.Max(Math.Max(from, atLeast), state.BucketStart(Math.Max(state.FirstBucketStart, SaturatingSubtract(now, _lagNanoseconds))));
            dirty = [.. state.Dirty.Where(bucket => bucket >= state.FinalBelow)];
            state.Dirty.Clear();
            state.InvalidateBelow = to;
        }

        try
        {
            var computed = new Dictionary<long, RollupState>();
            if (to > from)
            {
                await ReadIntoAsync(rollup, state, new TimeRange(from, to), computed, cancellationToken).ConfigureAwait(false);
            }

            var recomputed = new Dictionary<long, RollupState>();
            foreach (var bucket in dirty)
            {
                await ReadIntoAsync(rollup, state, new TimeRange(bucket, state.BucketEnd(bucket)), recomputed, cancellationToken).ConfigureAwait(false);
            }

            lock (_lock)
            {
                foreach (var bucket in dirty)
                {
                    if (recomputed.TryGetValue(bucket, out var value))
                    {
                        state.Buckets[bucket] = value;
                    }
                    else
                    {
                        state.Buckets.Remove(bucket);
                    }
                }

                foreach (var (bucket, value) in computed)
                {
                    state.Buckets[bucket] = value;
                }

                state.Watermark = to;
            }

            LogRefreshed(_logger, rollup.Tenant.Id, rollup.Field.ToString(), computed.Count, dirty.Length);
        }
        catch
        {
            lock (_lock)
            {
                // Nothing was applied: the dirty buckets stay dirty and the watermark where it was.
                state.Dirty.UnionWith(dirty);
                state.InvalidateBelow = state.Watermark;
            }

            throw;
        }
    }

    /// <summary>
    /// The real-time view of a rollup: the buckets whose start is in <paramref name="range"/>, from the materialised
    /// buckets where they are clean and from the raw points elsewhere (the tail after the last refresh and any
    /// bucket a late point invalidated). A rollup that is not maintained is computed entirely from raw points.
    /// </summary>
    public async ValueTask<IReadOnlyList<RollupBucket>> QueryAsync(RollupDefinition rollup, TimeRange range, CancellationToken cancellationToken = default)
    {
        Validate(rollup);
        var shape = new Rollup(rollup);
        var aligned = rollup.AlignToBuckets(range);
        var start = aligned.Start;
        var end = aligned.End;
        var result = new SortedDictionary<long, RollupState>();
        var fromRaw = new List<TimeRange>();
        lock (_lock)
        {
            if (_rollups.TryGetValue(rollup, out var state))
            {
                foreach (var (bucket, value) in state.Buckets)
                {
                    if (bucket >= start && bucket < end && bucket < state.Watermark && !state.Dirty.Contains(bucket))
                    {
                        result[bucket] = value;
                    }
                }

                foreach (var bucket in state.Dirty)
                {
                    if (bucket >= start && bucket < end)
                    {
                        fromRaw.Add(new TimeRange(bucket, state.BucketEnd(bucket)));
                    }
                }

                var tail = Math.Max(start, state.Watermark);
                if (tail < end)
                {
                    fromRaw.Add(new TimeRange(tail, end));
                }
            }
            else if (start < end)
            {
                fromRaw.Add(new TimeRange(start, end));
            }
        }

        var computed = new Dictionary<long, RollupState>();
        foreach (var piece in fromRaw)
        {
            await ReadIntoAsync(rollup, shape, piece, computed, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (bucket, value) in computed)
        {
            result[bucket] = value;
        }

        return [.. result.Select(static b => b.Value.ToBucket(b.Key))];
    }

    private async ValueTask ReadIntoAsync(RollupDefinition rollup, Rollup shape, TimeRange range, Dictionary<long, RollupState> into, CancellationToken cancellationToken)
    {
        var field = rollup.Field.Field;
        await foreach (var point in _reader.ReadAsync(rollup.Tenant, rollup.Field.ToQuery(range), cancellationToken).ConfigureAwait(false))
        {
            if (point[field] is { } value && value.TryGetNumber(out var number) && range.Contains(point.Timestamp) && point.Timestamp >= shape.FirstBucketStart)
            {
                ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(into, shape.BucketStart(point.Timestamp), out _);
                state.Add(point.Timestamp, number);
            }
        }
    }

    private Rollup? Find(RollupDefinition rollup)
    {
        lock (_lock)
        {
            return _rollups.GetValueOrDefault(rollup);
        }
    }

    private static long SaturatingSubtract(long value, long amount) => value < long.MinValue + amount ? long.MinValue : value - amount;

    private static int MaxId(ReadOnlySpan<int> ids)
    {
        var max = 0;
        foreach (var id in ids)
        {
            max = Math.Max(max, id);
        }

        return max;
    }

    private static void Validate(RollupDefinition rollup) => RollupDefinition.ThrowIfInvalid(rollup);

    [LoggerMessage(1, LogLevel.Information, "Rollup of {Field} for {Tenant} every {Period} is maintained.")]
    private static partial void LogEnsured(ILogger logger, string tenant, string field, TimeSpan period);

    [LoggerMessage(2, LogLevel.Information, "Rollup of {Field} for {Tenant} every {Period} is dropped.")]
    private static partial void LogDropped(ILogger logger, string tenant, string field, TimeSpan period);

    [LoggerMessage(3, LogLevel.Debug, "Rollup of {Field} for {Tenant} refreshed: {New} new buckets, {Recomputed} recomputed.")]
    private static partial void LogRefreshed(ILogger logger, string tenant, string field, int @new, int recomputed);

    [LoggerMessage(4, LogLevel.Information, "Rollup of {Field} for {Tenant}: {Deleted} buckets before {Floor} deleted (retention).")]
    private static partial void LogBucketsDeleted(ILogger logger, string tenant, string field, int deleted, long floor);

    /// <summary>The materialised state of one rollup.</summary>
    private sealed class Rollup(RollupDefinition definition)
    {
        public RollupDefinition Definition { get; } = definition;

        public long Period { get; } = definition.PeriodNanoseconds;

        public long FirstBucketStart { get; } = definition.FirstBucketStart;

        public Dictionary<long, RollupState> Buckets { get; } = [];

        public HashSet<long> Dirty { get; } = [];

        /// <summary>Buckets starting before this are materialised (long.MinValue: none yet).</summary>
        public long Watermark { get; set; } = long.MinValue;

        /// <summary>Buckets starting before this are final: their raw points were purged, late points no longer recompute them.</summary>
        public long PurgeFloor { get; set; } = long.MinValue;

        /// <summary>
        /// Buckets starting before this were deleted by rollup retention: none is kept, materialised or read from raw
        /// (the watermark is at least this).
        /// </summary>
        public long DeletedFloor { get; set; } = long.MinValue;

        /// <summary>Late points below this change no bucket: the higher of the purge and deletion floors.</summary>
        public long FinalBelow => Math.Max(PurgeFloor, DeletedFloor);

        /// <summary>Late points below this invalidate a bucket (the watermark, or the target of a running refresh).</summary>
        public long InvalidateBelow { get; set; } = long.MinValue;

        /// <summary>Held by the one refresh of this rollup that may run at a time.</summary>
        public SemaphoreSlim RefreshGate { get; } = new(1, 1);

        public long BucketStart(long timestamp) => Definition.BucketStart(timestamp);

        public long BucketEnd(long bucket) => bucket > long.MaxValue - Period ? long.MaxValue : bucket + Period;
    }
}
