using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cohort.Aggregation.States;

namespace Cohort.Aggregation.Engine;

/// <summary>
/// Everything the engine holds for one measure: the raw rows, the aggregate identities (bucket, createdBy, group
/// values) and their mergeable states. Not thread-safe (<see cref="MeasureAggregator"/> locks).
/// </summary>
internal sealed class MeasureStore(MeasureDefinition definition, TimeZoneInfo zone)
{
    private const int CreatedBySlot = 0;

    private readonly Dictionary<SeriesIds, Dictionary<long, int>> _series = [];
    private readonly List<GroupKey> _keys = [];
    private readonly List<GroupState?> _states = [];
    private readonly RawRowLog _raw = new();

    // createdBy and group values interned to small ints, with the last text of each slot remembered (consecutive
    // measures usually come from the same application and device).
    private readonly Dictionary<string, int> _textIds = new(StringComparer.Ordinal);
    private readonly List<string> _texts = [];
    private readonly string?[] _lastText = new string?[4];
    private readonly int[] _lastTextId = new int[4];
    private SeriesIds _lastSeriesIds;
    private Dictionary<long, int>? _lastSeries;
    private long _lastBucket = long.MinValue;
    private int _lastId;

    private long _aggregated;
    private long? _lastAggregatedTicks;

    public MeasureDefinition Definition { get; } = definition;

    public TimeZoneInfo Zone { get; } = zone;

    public double PrivacySpent { get; set; }

    public int GroupCount { get; private set; }

    /// <summary>Keeps a valid raw measure (validated by the caller) as a raw row of its aggregate.</summary>
    public void Append(RawMeasure measure, long arrivedTicks)
    {
        var bucket = PeriodBuckets.StartTicks(measure.StartDate, Definition.AggregationPeriod, Zone);
        var series = new SeriesIds(
            Intern(CreatedBySlot, measure.CreatedBy),
            Intern(1, measure.Group1?.Value),
            Intern(2, measure.Group2?.Value),
            Intern(3, measure.Group3?.Value));
        if (series.Equals(_lastSeriesIds) && _lastSeries is not null)
        {
            if (bucket == _lastBucket)
            {
                _raw.Append(_lastId, measure.Value, arrivedTicks);
                return;
            }
        }
        else
        {
            ref var found = ref CollectionsMarshal.GetValueRefOrAddDefault(_series, series, out _);
            found ??= [];
            _lastSeries = found;
            _lastSeriesIds = series;
        }

        // Two levels (series, then bucket within the series): the bucket maps of one series are small and stay in
        // cache while its measures arrive.
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_lastSeries, bucket, out var exists);
        if (!exists)
        {
            id = _keys.Count;
            _keys.Add(new GroupKey(bucket, _texts[series.CreatedBy], Text(series.Group1), Text(series.Group2), Text(series.Group3)));
            _states.Add(null);
        }

        _lastBucket = bucket;
        _lastId = id;
        _raw.Append(id, measure.Value, arrivedTicks);
    }

    /// <summary>
    /// Merges the pending raw rows into their states. One pass counts the rows per state; with exact quantiles a
    /// second pass scatters each value straight into its state's value storage (grown once, to its exact size) and
    /// each state then absorbs its new values as one batch (<see cref="MomentState.Of"/>, merged by Chan's formula);
    /// otherwise each value is added to its state.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long AggregatePending(long now)
    {
        var from = _aggregated;
        var to = _raw.Count;
        var pending = to - from;
        if (pending > 0)
        {
            var keyCount = _keys.Count;
            var counts = ArrayPool<int>.Shared.Rent(keyCount);
            try
            {
                Array.Clear(counts, 0, keyCount);
                for (var i = from; i < to;)
                {
                    i += _raw.Segment(i, to, out var keyIds, out _);
                    foreach (var keyId in keyIds)
                    {
                        counts[keyId]++;
                    }
                }

                var states = CollectionsMarshal.AsSpan(_states);
                for (var id = 0; id < keyCount; id++)
                {
                    if (counts[id] > 0)
                    {
                        ref var state = ref states[id];
                        if (state is null)
                        {
                            state = new GroupState { Quantiles = NewQuantiles(counts[id]) };
                            GroupCount++;
                        }

                        state.LastUpdatedTicks = now;
                    }
                }

                if (Definition.HasQuantiles && Definition.QuantileMode == QuantileMode.Exact)
                {
                    MergeScattered(from, to, states, counts);
                }
                else
                {
                    MergeEach(from, to, states);
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(counts);
            }
        }

        _aggregated = to;
        if (pending > 0 || _lastAggregatedTicks is null)
        {
            _lastAggregatedTicks = now;
        }

        return pending;
    }

    public List<(GroupKey Key, GroupState State)> Select(long start, long end, string? createdBy, bool w1, bool w2, bool w3)
    {
        var wildcard = w1 || w2 || w3;
        var merged = wildcard ? new Dictionary<GroupKey, GroupState>() : null;
        var selected = new List<(GroupKey, GroupState)>();
        for (var id = 0; id < _keys.Count; id++)
        {
            var state = _states[id];
            var key = _keys[id];
            if (state is null || key.BucketTicks < start || key.BucketTicks >= end
                || (createdBy is not null && !string.Equals(createdBy, key.CreatedBy, StringComparison.Ordinal)))
            {
                continue;
            }

            if (merged is null)
            {
                selected.Add((key, state));
                continue;
            }

            var wildKey = key.WithWildcards(w1 && key.Group1 is not null, w2 && key.Group2 is not null, w3 && key.Group3 is not null);
            if (merged.TryGetValue(wildKey, out var existing))
            {
                existing.Merge(state);
            }
            else
            {
                merged[wildKey] = state.Clone();
            }
        }

        if (merged is not null)
        {
            foreach (var (key, state) in merged)
            {
                selected.Add((key, state));
            }
        }

        return selected;
    }

    public PurgeResult Purge(long cutoffTicks)
    {
        if (_lastAggregatedTicks is null)
        {
            return new PurgeResult(Definition.Name, 0, _raw.Count, "the measure was never aggregated.");
        }

        if (_raw.AnyArrivedAtOrBefore(_aggregated, _raw.Count, cutoffTicks))
        {
            return new PurgeResult(Definition.Name, 0, _raw.Count, "the purge would remove raw measures that are not aggregated yet.");
        }

        var purge = _raw.PrefixArrivedAtOrBefore(_aggregated, cutoffTicks);
        _raw.RemoveFirst(purge);
        _aggregated -= purge;
        return new PurgeResult(Definition.Name, purge, _raw.Count, null);
    }

    public MeasureStatus Status() => new(
        Definition.Name,
        _raw.Count,
        _raw.Count - _aggregated,
        GroupCount,
        _lastAggregatedTicks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null,
        PrivacySpent);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MergeScattered(long from, long to, Span<GroupState?> states, int[] counts)
    {
        var keyCount = states.Length;
        var storage = ArrayPool<double[]>.Shared.Rent(keyCount);
        var positions = ArrayPool<int>.Shared.Rent(keyCount);
        try
        {
            for (var id = 0; id < keyCount; id++)
            {
                if (counts[id] > 0)
                {
                    ((ExactQuantiles)states[id]!.Quantiles!).ReserveForAppend(counts[id], out storage[id], out positions[id]);
                }
            }

            var privacy = Definition.Privacy;
            var (lower, upper) = privacy is null ? (double.NegativeInfinity, double.PositiveInfinity) : (privacy.LowerBound, privacy.UpperBound);
            for (var i = from; i < to;)
            {
                i += _raw.Segment(i, to, out var keyIds, out var values);
                for (var j = 0; j < keyIds.Length; j++)
                {
                    var id = keyIds[j];
                    storage[id][positions[id]++] = Math.Clamp(values[j], lower, upper);
                }
            }

            for (var id = 0; id < keyCount; id++)
            {
                if (counts[id] > 0)
                {
                    var state = states[id]!;
                    state.Moments.Merge(MomentState.Of(((ExactQuantiles)state.Quantiles!).CommitAppended(counts[id])));
                }
            }
        }
        finally
        {
            ArrayPool<double[]>.Shared.Return(storage, clearArray: true);
            ArrayPool<int>.Shared.Return(positions);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MergeEach(long from, long to, Span<GroupState?> states)
    {
        var privacy = Definition.Privacy;
        for (var i = from; i < to;)
        {
            i += _raw.Segment(i, to, out var keyIds, out var values);
            for (var j = 0; j < keyIds.Length; j++)
            {
                var state = states[keyIds[j]]!;
                var value = privacy is null ? values[j] : Math.Clamp(values[j], privacy.LowerBound, privacy.UpperBound);
                state.Moments.Add(value);
                state.Quantiles?.Add(value);
            }
        }
    }

    private int Intern(int slot, string? text)
    {
        if (text is null)
        {
            return -1;
        }

        var last = _lastText[slot];
        if (ReferenceEquals(last, text) || string.Equals(last, text, StringComparison.Ordinal))
        {
            return _lastTextId[slot];
        }

        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_textIds, text, out var exists);
        if (!exists)
        {
            id = _texts.Count;
            _texts.Add(text);
        }

        _lastText[slot] = text;
        _lastTextId[slot] = id;
        return id;
    }

    private string? Text(int id) => id < 0 ? null : _texts[id];

    private IQuantileState? NewQuantiles(int capacity) => !Definition.HasQuantiles
        ? null
        : Definition.QuantileMode == QuantileMode.Sketch
            ? new DDSketch(Definition.SketchRelativeAccuracy)
            : new ExactQuantiles(capacity);
}
