using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cohort.Aggregation.Engine;
using Cohort.Aggregation.Privacy;
using Cohort.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Aggregation;

/// <summary>
/// The in-process engine of measures across users (what Cozy's DACC does): raw measures are validated and kept in
/// arrival order; <see cref="Aggregate"/> merges the new ones into mergeable aggregate states per (measure, period
/// bucket, createdBy, group values); <see cref="Query"/> releases aggregates at or above the threshold to the
/// organisations allowed to read them; <see cref="Purge"/> drops old raw measures with DACC's safeguards.
/// Thread-safe.
/// </summary>
public sealed partial class MeasureAggregator
{
    private static readonly double[] QuartileFractions = [0.5, 0.25, 0.75];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, MeasureStore> _stores = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates an engine for these definitions.</summary>
    /// <param name="definitions">The measure definitions.</param>
    /// <param name="timeProvider">The clock for arrival times and purges; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where aggregation and purge runs are logged.</param>
    public MeasureAggregator(MeasureDefinitionSet definitions, TimeProvider? timeProvider = null, ILogger<MeasureAggregator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        Definitions = definitions;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        foreach (var definition in definitions)
        {
            _stores[definition.Name] = new MeasureStore(definition, definitions.GetZone(definition.Name));
        }
    }

    /// <summary>The measure definitions.</summary>
    public MeasureDefinitionSet Definitions { get; }

    /// <summary>The source of privacy noise (tests and benchmarks seed it).</summary>
    internal NoiseSource Noise { get; set; } = NoiseSource.Secure;

    /// <summary>Validates a raw measure and, when valid, keeps it for the next <see cref="Aggregate"/>.</summary>
    /// <returns>Whether it was accepted; otherwise <paramref name="rejection"/> says why.</returns>
    public bool TryAdd(RawMeasure measure, [NotNullWhen(false)] out Rejection? rejection)
    {
        var result = Definitions.Validate(measure);
        if (!result.IsValid)
        {
            rejection = result.Rejection;
            return false;
        }

        var now = _timeProvider.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            _stores[measure.MeasureName].Append(measure, now);
        }

        rejection = null;
        return true;
    }

    /// <summary>Adds raw measures; the invalid ones come back as rejections with their index, the rest are kept.</summary>
    /// <remarks>
    /// Arrays and lists are read without an enumerator. Consecutive measures of the same measure name share one
    /// definition lookup, and a valid measure is checked and kept without allocating.
    /// </remarks>
    public WriteResult AddRange(IEnumerable<RawMeasure> measures)
    {
        ArgumentNullException.ThrowIfNull(measures);
        var batch = new AddBatch(this, _timeProvider.GetUtcNow().UtcTicks);
        lock (_lock)
        {
            switch (measures)
            {
                case RawMeasure[] array:
                    batch.AddAll(array);
                    break;
                case List<RawMeasure> list:
                    batch.AddAll(CollectionsMarshal.AsSpan(list));
                    break;
                default:
                    foreach (var measure in measures)
                    {
                        batch.Add(measure);
                    }

                    break;
            }
        }

        return new WriteResult(batch.Accepted, batch.Rejections is null ? [] : [.. batch.Rejections]);
    }

    /// <summary>
    /// Merges the raw measures that arrived since the last run into the aggregate states (incremental: existing
    /// aggregates absorb the new values; nothing is recomputed).
    /// </summary>
    /// <param name="measureName">One measure, or <see langword="null"/> for all.</param>
    /// <returns>How many raw measures were merged.</returns>
    public long Aggregate(string? measureName = null)
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        long merged = 0;
        lock (_lock)
        {
            foreach (var store in SelectStores(measureName))
            {
                var count = store.AggregatePending(now);
                merged += count;
                if (count > 0)
                {
                    LogAggregated(_logger, store.Definition.Name, count, store.GroupCount);
                }
            }
        }

        return merged;
    }

    /// <summary>
    /// The released aggregates for a query: buckets starting in [start, end), at or above the threshold (also after
    /// wildcard merging), with the definition's statistics, noisy when the measure has a privacy policy.
    /// </summary>
    /// <exception cref="UnknownMeasureException">No definition has this name.</exception>
    /// <exception cref="MeasureAccessDeniedException">The organisation may not read the measure.</exception>
    /// <exception cref="PrivacyBudgetExhaustedException">The measure's privacy budget is spent.</exception>
    public IReadOnlyList<AggregateResult> Query(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var definition = Definitions.Find(query.MeasureName)
            ?? throw new UnknownMeasureException($"No measure is defined with the name '{query.MeasureName}'.");
        if (!definition.IsReadableBy(query.Organisation))
        {
            throw new MeasureAccessDeniedException(query.Organisation is null
                ? $"The measure '{definition.Name}' is not public."
                : $"The organisation '{query.Organisation}' may not read the measure '{definition.Name}'.");
        }

        var wildcards = new bool[4];
        if (!query.WildcardGroups.IsDefault)
        {
            foreach (var group in query.WildcardGroups)
            {
                if (group < 1 || group > definition.GroupCount)
                {
                    throw new ArgumentException($"The measure '{definition.Name}' has no group {group} to replace by a wildcard.", nameof(query));
                }

                wildcards[group] = true;
            }
        }

        var start = query.StartDate.UtcTicks;
        var end = query.EndDate.UtcTicks;
        lock (_lock)
        {
            var store = _stores[definition.Name];
            var selected = store.Select(start, end, query.CreatedBy, wildcards[1], wildcards[2], wildcards[3]);
            selected.RemoveAll(s => s.State.Moments.Count < definition.AggregationThreshold);
            if (definition.Privacy is { } privacy && selected.Count > 0)
            {
                if (store.PrivacySpent + privacy.Epsilon > privacy.Budget * (1 + 1e-12))
                {
                    throw new PrivacyBudgetExhaustedException(
                        $"The measure '{definition.Name}' has spent {store.PrivacySpent} of its privacy budget {privacy.Budget}; a query costs {privacy.Epsilon}.");
                }

                store.PrivacySpent += privacy.Epsilon;
            }

            selected.Sort(static (a, b) => CompareKeys(a.Key, b.Key));
            var results = new List<AggregateResult>(selected.Count);
            var fractions = ReleasedFractions(definition);
            foreach (var (key, state) in selected)
            {
                results.Add(Release(definition, fractions, store.Zone, key, state));
            }

            return results;
        }
    }

    /// <summary>
    /// Removes the raw measures of a measure that arrived at or before <paramref name="purgeDate"/> (default: now
    /// minus the definition's <c>rawRetentionDays</c>), with DACC's safeguards: nothing when the measure was never
    /// aggregated, nothing when the purge would reach raw measures not aggregated yet, and for measures with
    /// quantiles only those older than <c>maxDaysToUpdateQuartile</c> days. Aggregates are unaffected (exact
    /// quantile states keep their values).
    /// </summary>
    /// <exception cref="UnknownMeasureException">No definition has this name.</exception>
    public PurgeResult Purge(string measureName, DateTimeOffset? purgeDate = null)
    {
        ArgumentNullException.ThrowIfNull(measureName);
        var definition = Definitions.Find(measureName)
            ?? throw new UnknownMeasureException($"No measure is defined with the name '{measureName}'.");
        var now = _timeProvider.GetUtcNow();
        var cutoff = (purgeDate ?? now.AddDays(-definition.RawRetentionDays)).UtcTicks;
        if (definition.HasQuantiles)
        {
            cutoff = Math.Min(cutoff, now.AddDays(-definition.MaxDaysToUpdateQuartile).UtcTicks);
        }

        lock (_lock)
        {
            var store = _stores[measureName];
            var result = store.Purge(cutoff);
            if (result.SkippedReason is { } reason)
            {
                LogPurgeSkipped(_logger, measureName, reason);
            }
            else
            {
                LogPurged(_logger, measureName, result.Purged, result.Remaining);
            }

            return result;
        }
    }

    /// <summary>The state of a measure: raw measures held and pending, aggregate states, last run, privacy spent.</summary>
    /// <exception cref="UnknownMeasureException">No definition has this name.</exception>
    public MeasureStatus GetStatus(string measureName)
    {
        ArgumentNullException.ThrowIfNull(measureName);
        lock (_lock)
        {
            if (!_stores.TryGetValue(measureName, out var store))
            {
                throw new UnknownMeasureException($"No measure is defined with the name '{measureName}'.");
            }

            return store.Status();
        }
    }

    private static int CompareKeys(GroupKey a, GroupKey b)
    {
        var c = a.BucketTicks.CompareTo(b.BucketTicks);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.CreatedBy, b.CreatedBy);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Group1, b.Group1);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Group2, b.Group2);
        }

        return c == 0 ? string.CompareOrdinal(a.Group3, b.Group3) : c;
    }

    private AggregateResult Release(MeasureDefinition d, double[] fractions, TimeZoneInfo zone, GroupKey key, GroupState state)
    {
        var m = state.Moments;
        var s = d.Statistics;
        bool Has(MeasureStatistics flag) => (s & flag) != 0;
        var q = state.Quantiles;
        Span<double> quantiles = stackalloc double[fractions.Length];
        q?.Quantiles(fractions, quantiles);
        var result = new AggregateResult(d.Name, PeriodBuckets.ToDateTimeOffset(key.BucketTicks, zone), key.CreatedBy, m.Count)
        {
            Group1 = key.Group1 is null ? null : new MeasureGroup(d.Group1Key!, key.Group1),
            Group2 = key.Group2 is null ? null : new MeasureGroup(d.Group2Key!, key.Group2),
            Group3 = key.Group3 is null ? null : new MeasureGroup(d.Group3Key!, key.Group3),
            CountNotZero = Has(MeasureStatistics.CountNotZero) ? m.CountNotZero : null,
            Sum = Has(MeasureStatistics.Sum) ? m.Total : null,
            Min = Has(MeasureStatistics.Min) ? m.Min : null,
            Max = Has(MeasureStatistics.Max) ? m.Max : null,
            Avg = Has(MeasureStatistics.Avg) ? m.Average : null,
            Std = Has(MeasureStatistics.Std) ? m.SampleStd : null,
            Median = Has(MeasureStatistics.Median) && q is not null ? quantiles[0] : null,
            FirstQuartile = Has(MeasureStatistics.FirstQuartile) && q is not null ? quantiles[1] : null,
            ThirdQuartile = Has(MeasureStatistics.ThirdQuartile) && q is not null ? quantiles[2] : null,
            Percentiles = q is null || d.Percentiles.IsDefaultOrEmpty ? [] : Percentiles(d.Percentiles, quantiles[3..]),
        };

        if (d.Privacy is not { } privacy)
        {
            return result;
        }

        // Differential privacy: noisy counters from clamped values; nothing released that the noise does not cover.
        var count = m.Count + DifferentialPrivacy.Noise(privacy, 1, Noise);
        var notZero = m.CountNotZero + DifferentialPrivacy.Noise(privacy, 1, Noise);
        var sum = m.Total + DifferentialPrivacy.Noise(privacy, DifferentialPrivacy.SumSensitivity(privacy), Noise);
        var releasedCount = Math.Max(0, (long)Math.Round(count));
        return result with
        {
            Count = releasedCount,
            CountNotZero = Has(MeasureStatistics.CountNotZero) ? Math.Max(0, (long)Math.Round(notZero)) : null,
            Sum = Has(MeasureStatistics.Sum) ? sum : null,
            Avg = Has(MeasureStatistics.Avg) ? Math.Clamp(sum / Math.Max(1, count), privacy.LowerBound, privacy.UpperBound) : null,
            Min = null,
            Max = null,
            Std = null,
            Median = null,
            FirstQuartile = null,
            ThirdQuartile = null,
            Percentiles = [],
            IsNoisy = true,
        };
    }

    /// <summary>The fractions a release computes: median, first and third quartile, then the definition's percentiles.</summary>
    private static double[] ReleasedFractions(MeasureDefinition d) => d.Percentiles.IsDefaultOrEmpty
        ? QuartileFractions
        : [.. QuartileFractions, .. d.Percentiles];

    private static ImmutableArray<KeyValuePair<double, double>> Percentiles(ImmutableArray<double> fractions, ReadOnlySpan<double> values)
    {
        var builder = ImmutableArray.CreateBuilder<KeyValuePair<double, double>>(fractions.Length);
        for (var i = 0; i < fractions.Length; i++)
        {
            builder.Add(KeyValuePair.Create(fractions[i], values[i]));
        }

        return builder.MoveToImmutable();
    }

    private List<MeasureStore> SelectStores(string? measureName)
    {
        if (measureName is null)
        {
            return [.. _stores.Values];
        }

        return _stores.TryGetValue(measureName, out var store)
            ? [store]
            : throw new UnknownMeasureException($"No measure is defined with the name '{measureName}'.");
    }

    [LoggerMessage(1, LogLevel.Information, "Aggregated {Count} raw measures of {Measure} ({Groups} aggregates).")]
    private static partial void LogAggregated(ILogger logger, string measure, long count, int groups);

    [LoggerMessage(2, LogLevel.Information, "Purged {Count} raw measures of {Measure}; {Remaining} remain.")]
    private static partial void LogPurged(ILogger logger, string measure, long count, long remaining);

    [LoggerMessage(3, LogLevel.Warning, "Purge of {Measure} skipped: {Reason}")]
    private static partial void LogPurgeSkipped(ILogger logger, string measure, string reason);

    /// <summary>One <see cref="AddRange"/> call: the definition of the last measure name seen, counts and rejections.</summary>
    private sealed class AddBatch(MeasureAggregator owner, long arrivedTicks)
    {
        private string? _lastName;
        private MeasureStore? _lastStore;
        private int _index;

        public int Accepted { get; private set; }

        public List<Rejection>? Rejections { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void AddAll(ReadOnlySpan<RawMeasure> measures)
        {
            foreach (var measure in measures)
            {
                Add(measure);
            }
        }

        public void Add(RawMeasure? measure)
        {
            var index = _index++;
            if (measure is not null)
            {
                var name = measure.MeasureName;
                if (!ReferenceEquals(name, _lastName) && !string.Equals(name, _lastName, StringComparison.Ordinal))
                {
                    _lastStore = name is null ? null : owner._stores.GetValueOrDefault(name);
                    _lastName = _lastStore is null ? null : name;
                }

                if (_lastStore is { } store && MeasureDefinitionSet.Conforms(measure, store.Definition))
                {
                    store.Append(measure, arrivedTicks);
                    Accepted++;
                    return;
                }
            }

            // Not valid: the full validation says why.
            var result = measure is null
                ? RawMeasureResult.Invalid(RawMeasureError.NotAnObject, null, "The measure is null.")
                : owner.Definitions.Validate(measure);
            if (result.IsValid)
            {
                throw new InvalidOperationException("A raw measure that failed the fast check passed validation.");
            }

            (Rejections ??= []).Add(result.Rejection with { Index = index });
        }
    }
}
