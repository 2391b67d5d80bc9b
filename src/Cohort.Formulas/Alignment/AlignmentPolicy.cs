using System.Diagnostics.CodeAnalysis;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas;

/// <summary>How a bucket of samples becomes one value when resampling.</summary>
public enum ResampleAggregation
{
    /// <summary>The mean of the bucket's present samples.</summary>
    Mean = 0,

    /// <summary>The latest present sample in the bucket.</summary>
    Last = 1,
}

/// <summary>
/// How inputs that arrive at different times are lined up into rows before a formula is evaluated. Written as text
/// <c>union</c> (the default, as SGMP), <c>intersect</c>, <c>locf:&lt;duration&gt;</c> or
/// <c>resample:&lt;duration&gt;:&lt;mean|last&gt;</c>, with durations such as <c>500ms</c>, <c>30s</c>, <c>5m</c>,
/// <c>1h</c>, <c>1d</c>.
/// </summary>
public abstract class AlignmentPolicy
{
    private protected AlignmentPolicy()
    {
    }

    /// <summary>
    /// Every timestamp of any input is a row; an input without a sample at exactly that timestamp is missing there
    /// (SGMP's behaviour).
    /// </summary>
    public static AlignmentPolicy Union { get; } = new UnionPolicy();

    /// <summary>Only timestamps at which every input has a sample are rows (exact timestamp match).</summary>
    public static AlignmentPolicy Intersect { get; } = new IntersectPolicy();

    /// <summary>
    /// Every timestamp of any input is a row; each input carries its last observation forward, as long as it is at
    /// most <paramref name="maxStaleness"/> old (otherwise missing).
    /// </summary>
    public static AlignmentPolicy Locf(TimeSpan maxStaleness)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStaleness, TimeSpan.Zero);
        return new LocfPolicy(maxStaleness);
    }

    /// <summary>
    /// One row per <paramref name="interval"/> (buckets start at multiples of the interval since the Unix epoch),
    /// from the first to the last bucket holding any sample; each input is the mean or last of its present samples in
    /// the bucket, missing when it has none.
    /// </summary>
    public static AlignmentPolicy Resample(TimeSpan interval, ResampleAggregation aggregation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return new ResamplePolicy(interval, aggregation);
    }

    /// <summary>Parses <c>union</c>, <c>intersect</c>, <c>locf:5m</c> or <c>resample:1h:mean</c>.</summary>
    /// <exception cref="FormatException">The text is not one of those forms.</exception>
    public static AlignmentPolicy Parse(string text) =>
        TryParse(text, out var policy) ? policy : throw new FormatException(
            $"'{text}' is not an alignment policy; use union, intersect, locf:<duration> or resample:<duration>:<mean|last> (durations like 30s, 5m, 1h).");

    /// <summary>Parses an alignment policy, returning false when the text is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out AlignmentPolicy? policy)
    {
        policy = null;
        if (text is null)
        {
            return false;
        }

        var parts = text.Trim().Split(':');
        switch (parts[0].ToUpperInvariant())
        {
            case "UNION" when parts.Length == 1:
                policy = Union;
                return true;
            case "INTERSECT" when parts.Length == 1:
                policy = Intersect;
                return true;
            case "LOCF" when parts.Length == 2 && DurationText.TryParse(parts[1], out var staleness):
                policy = new LocfPolicy(staleness);
                return true;
            case "RESAMPLE" when parts.Length == 3 && DurationText.TryParse(parts[1], out var interval) && interval > TimeSpan.Zero:
                ResampleAggregation? aggregation = parts[2].ToUpperInvariant() switch
                {
                    "MEAN" => ResampleAggregation.Mean,
                    "LAST" => ResampleAggregation.Last,
                    _ => null,
                };
                if (aggregation is null)
                {
                    return false;
                }

                policy = new ResamplePolicy(interval, aggregation.Value);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Lines the input series up into rows: one timestamp per row, one column per input (NaN = missing).</summary>
    internal abstract AlignedFrame Align(IReadOnlyList<TimeSeries> inputs);

    private protected static long[] UnionOfTimestamps(IReadOnlyList<TimeSeries> inputs)
    {
        var all = new List<long>(inputs.Sum(s => s.Count));
        foreach (var input in inputs)
        {
            all.AddRange(input.Timestamps.Span);
        }

        all.Sort();
        var distinct = new List<long>(all.Count);
        foreach (var t in all)
        {
            if (distinct.Count == 0 || distinct[^1] != t)
            {
                distinct.Add(t);
            }
        }

        return [.. distinct];
    }

    /// <summary>Values of <paramref name="input"/> at exactly the timestamps, NaN where it has no sample.</summary>
    private protected static double[] Exact(TimeSeries input, long[] timestamps)
    {
        var result = new double[timestamps.Length];
        var t = input.Timestamps.Span;
        var v = input.Values.Span;
        var j = 0;
        for (var i = 0; i < timestamps.Length; i++)
        {
            while (j < t.Length && t[j] < timestamps[i])
            {
                j++;
            }

            result[i] = j < t.Length && t[j] == timestamps[i] ? v[j] : double.NaN;
        }

        return result;
    }

    private sealed class UnionPolicy : AlignmentPolicy
    {
        internal override AlignedFrame Align(IReadOnlyList<TimeSeries> inputs)
        {
            var timestamps = UnionOfTimestamps(inputs);
            return new AlignedFrame(timestamps, [.. inputs.Select(s => Exact(s, timestamps))]);
        }

        public override string ToString() => "union";
    }

    private sealed class IntersectPolicy : AlignmentPolicy
    {
        internal override AlignedFrame Align(IReadOnlyList<TimeSeries> inputs)
        {
            IEnumerable<long> common = inputs.Count == 0 ? [] : inputs[0].Timestamps.ToArray();
            foreach (var input in inputs.Skip(1))
            {
                common = common.Intersect(input.Timestamps.ToArray());
            }

            var timestamps = common.Order().ToArray();
            return new AlignedFrame(timestamps, [.. inputs.Select(s => Exact(s, timestamps))]);
        }

        public override string ToString() => "intersect";
    }

    private sealed class LocfPolicy(TimeSpan maxStaleness) : AlignmentPolicy
    {
        internal override AlignedFrame Align(IReadOnlyList<TimeSeries> inputs)
        {
            var timestamps = UnionOfTimestamps(inputs);
            var staleNs = maxStaleness.Ticks * 100;
            var columns = new double[inputs.Count][];
            for (var c = 0; c < inputs.Count; c++)
            {
                var t = inputs[c].Timestamps.Span;
                var v = inputs[c].Values.Span;
                var column = columns[c] = new double[timestamps.Length];
                var j = -1;
                for (var i = 0; i < timestamps.Length; i++)
                {
                    while (j + 1 < t.Length && t[j + 1] <= timestamps[i])
                    {
                        j++;
                    }

                    column[i] = j >= 0 && timestamps[i] - t[j] <= staleNs ? v[j] : double.NaN;
                }
            }

            return new AlignedFrame(timestamps, columns);
        }

        public override string ToString() => "locf:" + DurationText.Format(maxStaleness);
    }

    private sealed class ResamplePolicy(TimeSpan interval, ResampleAggregation aggregation) : AlignmentPolicy
    {
        internal override AlignedFrame Align(IReadOnlyList<TimeSeries> inputs)
        {
            var step = interval.Ticks * 100;
            long? first = null;
            long? last = null;
            foreach (var input in inputs.Where(s => s.Count > 0))
            {
                var t = input.Timestamps.Span;
                first = Math.Min(first ?? long.MaxValue, BucketOf(t[0], step));
                last = Math.Max(last ?? long.MinValue, BucketOf(t[^1], step));
            }

            if (first is null || last is null)
            {
                return new AlignedFrame([], [.. inputs.Select(_ => Array.Empty<double>())]);
            }

            var rows = checked((int)(((last.Value - first.Value) / step) + 1));
            var timestamps = new long[rows];
            for (var i = 0; i < rows; i++)
            {
                timestamps[i] = first.Value + (i * step);
            }

            var columns = new double[inputs.Count][];
            for (var c = 0; c < inputs.Count; c++)
            {
                var column = columns[c] = new double[rows];
                var counts = new int[rows];
                var t = inputs[c].Timestamps.Span;
                var v = inputs[c].Values.Span;
                for (var j = 0; j < t.Length; j++)
                {
                    if (double.IsNaN(v[j]))
                    {
                        continue;
                    }

                    var row = (int)((BucketOf(t[j], step) - first.Value) / step);
                    column[row] = aggregation == ResampleAggregation.Last || counts[row] == 0 ? v[j] : column[row] + v[j];
                    counts[row]++;
                }

                for (var i = 0; i < rows; i++)
                {
                    column[i] = counts[i] == 0 ? double.NaN : aggregation == ResampleAggregation.Mean ? column[i] / counts[i] : column[i];
                }
            }

            return new AlignedFrame(timestamps, columns);
        }

        public override string ToString() =>
            $"resample:{DurationText.Format(interval)}:{(aggregation == ResampleAggregation.Mean ? "mean" : "last")}";

        private static long BucketOf(long timestamp, long step) => timestamp - (((timestamp % step) + step) % step);
    }
}

/// <summary>Aligned rows: a timestamp per row and one column per input, NaN where missing.</summary>
internal sealed record AlignedFrame(long[] Timestamps, double[][] Columns);
