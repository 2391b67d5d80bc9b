namespace Cohort.Aggregation.States;

/// <summary>
/// Every value of a group, sorted on demand: quantiles are exact and computed as PostgreSQL's
/// <c>percentile_cont</c> (linear interpolation between the two nearest ranks). Merging appends.
/// </summary>
internal sealed class ExactQuantiles : IQuantileState
{
    private double[] _values;
    private int _count;
    private bool _sorted = true;

    public ExactQuantiles(int capacity = 4) => _values = new double[Math.Max(capacity, 1)];

    public long Count => _count;

    public ReadOnlySpan<double> Values => _values.AsSpan(0, _count);

    public void Add(double value)
    {
        if (_count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        if (_sorted && _count > 0 && value < _values[_count - 1])
        {
            _sorted = false;
        }

        _values[_count++] = value;
    }

    public void Merge(IQuantileState other)
    {
        var exact = (ExactQuantiles)other;
        var needed = _count + exact._count;
        if (needed > _values.Length)
        {
            Array.Resize(ref _values, Math.Max(needed, _values.Length * 2));
        }

        exact.Values.CopyTo(_values.AsSpan(_count));
        _count = needed;
        _sorted = false;
    }

    public IQuantileState Clone()
    {
        var copy = new ExactQuantiles(_count);
        Values.CopyTo(copy._values);
        copy._count = _count;
        copy._sorted = _sorted;
        return copy;
    }

    public double Quantile(double fraction)
    {
        if (_count == 0)
        {
            return double.NaN;
        }

        if (!_sorted)
        {
            Array.Sort(_values, 0, _count);
            _sorted = true;
        }

        return PercentileCont(Values, fraction);
    }

    /// <summary>PostgreSQL's <c>percentile_cont</c> over sorted values.</summary>
    public static double PercentileCont(ReadOnlySpan<double> sorted, double fraction)
    {
        var position = fraction * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        var low = sorted[lower];
        return lower == upper ? low : low + ((position - lower) * (sorted[upper] - low));
    }
}
