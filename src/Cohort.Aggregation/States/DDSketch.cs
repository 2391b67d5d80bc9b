namespace Cohort.Aggregation.States;

/// <summary>
/// A DDSketch (Masson, Rim and Lee, VLDB 2019) with a logarithmic index and unbounded sparse stores: each value x
/// falls in the bucket i = ceil(log_gamma |x|), gamma = (1 + a) / (1 - a), and a bucket answers
/// 2 gamma^i / (gamma + 1), which is within relative error a of every value in it. So the value returned for
/// any rank r is within a * |x_r| of the exact r-th smallest value x_r. Sketches with the same accuracy merge by
/// adding bucket counts, exactly: the merged sketch is the sketch of all values, in any split and order.
/// </summary>
internal sealed class DDSketch : IQuantileState
{
    private readonly double _gamma;
    private readonly double _logGamma;
    private readonly Dictionary<int, long> _positive = [];
    private readonly Dictionary<int, long> _negative = [];
    private long _zeros;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;

    public DDSketch(double relativeAccuracy)
    {
        if (!(relativeAccuracy > 0 && relativeAccuracy < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeAccuracy), relativeAccuracy, "The relative accuracy must be in (0, 1).");
        }

        RelativeAccuracy = relativeAccuracy;
        _gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
        _logGamma = Math.Log(_gamma);
    }

    public double RelativeAccuracy { get; }

    public long Count { get; private set; }

    /// <summary>The number of non-empty buckets (the sketch's memory is proportional to it).</summary>
    public int BucketCount => _positive.Count + _negative.Count + (_zeros > 0 ? 1 : 0);

    public void Add(double value)
    {
        if (value > 0)
        {
            Increment(_positive, Index(value), 1);
        }
        else if (value < 0)
        {
            Increment(_negative, Index(-value), 1);
        }
        else
        {
            _zeros++;
        }

        _min = Math.Min(_min, value);
        _max = Math.Max(_max, value);
        Count++;
    }

    public void Merge(IQuantileState other)
    {
        var sketch = (DDSketch)other;
        if (sketch.RelativeAccuracy != RelativeAccuracy)
        {
            throw new InvalidOperationException("Only sketches of the same relative accuracy merge.");
        }

        foreach (var (index, count) in sketch._positive)
        {
            Increment(_positive, index, count);
        }

        foreach (var (index, count) in sketch._negative)
        {
            Increment(_negative, index, count);
        }

        _zeros += sketch._zeros;
        _min = Math.Min(_min, sketch._min);
        _max = Math.Max(_max, sketch._max);
        Count += sketch.Count;
    }

    public IQuantileState Clone()
    {
        var copy = new DDSketch(RelativeAccuracy);
        copy.Merge(this);
        return copy;
    }

    public void Reserve(int additional)
    {
    }

    public void Quantiles(ReadOnlySpan<double> fractions, Span<double> results)
    {
        for (var i = 0; i < fractions.Length; i++)
        {
            results[i] = Quantile(fractions[i]);
        }
    }

    public double Quantile(double fraction)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var position = fraction * (Count - 1);
        var lower = (long)Math.Floor(position);
        var upper = (long)Math.Ceiling(position);
        var negative = _negative.OrderByDescending(static b => b.Key).ToArray();
        var positive = _positive.OrderBy(static b => b.Key).ToArray();
        var low = ValueAtRank(lower, negative, positive);
        if (lower == upper)
        {
            return low;
        }

        var high = ValueAtRank(upper, negative, positive);
        return low + ((position - lower) * (high - low));
    }

    private double ValueAtRank(long rank, KeyValuePair<int, long>[] negative, KeyValuePair<int, long>[] positive)
    {
        if (rank == 0)
        {
            return _min;
        }

        if (rank == Count - 1)
        {
            return _max;
        }

        var seen = 0L;
        foreach (var (index, count) in negative)
        {
            seen += count;
            if (rank < seen)
            {
                return Clamp(-Estimate(index));
            }
        }

        seen += _zeros;
        if (rank < seen)
        {
            return 0;
        }

        foreach (var (index, count) in positive)
        {
            seen += count;
            if (rank < seen)
            {
                return Clamp(Estimate(index));
            }
        }

        return _max;
    }

    private double Clamp(double value) => Math.Clamp(value, _min, _max);

    private int Index(double magnitude) => (int)Math.Ceiling(Math.Log(magnitude) / _logGamma);

    private double Estimate(int index) => 2 * Math.Pow(_gamma, index) / (_gamma + 1);

    private static void Increment(Dictionary<int, long> store, int index, long count)
    {
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(store, index, out _) += count;
    }
}
