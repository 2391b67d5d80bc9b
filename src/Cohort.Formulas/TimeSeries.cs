namespace Cohort.Formulas;

/// <summary>
/// A numeric time series: strictly increasing Unix-nanosecond timestamps and one value each, NaN meaning missing.
/// Formula inputs and results both take this shape. Immutable.
/// </summary>
public sealed class TimeSeries
{
    /// <summary>Creates a series; the timestamps must be strictly increasing and as many as the values.</summary>
    /// <exception cref="ArgumentException">The lengths differ or the timestamps are not strictly increasing.</exception>
    public TimeSeries(ReadOnlyMemory<long> timestamps, ReadOnlyMemory<double> values)
    {
        if (timestamps.Length != values.Length)
        {
            throw new ArgumentException($"There are {timestamps.Length} timestamps but {values.Length} values.", nameof(values));
        }

        var span = timestamps.Span;
        for (var i = 1; i < span.Length; i++)
        {
            if (span[i] <= span[i - 1])
            {
                throw new ArgumentException($"Timestamp {i} ({span[i]}) is not after timestamp {i - 1} ({span[i - 1]}).", nameof(timestamps));
            }
        }

        Timestamps = timestamps;
        Values = values;
    }

    /// <summary>A series with no samples.</summary>
    public static TimeSeries Empty { get; } = new(ReadOnlyMemory<long>.Empty, ReadOnlyMemory<double>.Empty);

    /// <summary>The timestamps, Unix nanoseconds, strictly increasing.</summary>
    public ReadOnlyMemory<long> Timestamps { get; }

    /// <summary>The values, NaN where missing.</summary>
    public ReadOnlyMemory<double> Values { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Timestamps.Length;

    /// <summary>
    /// Creates a series from samples in any order; of several samples at the same timestamp the last one given wins.
    /// </summary>
    public static TimeSeries FromSamples(IEnumerable<KeyValuePair<long, double>> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var byTime = new SortedDictionary<long, double>();
        foreach (var (timestamp, value) in samples)
        {
            byTime[timestamp] = value;
        }

        return new TimeSeries(byTime.Keys.ToArray(), byTime.Values.ToArray());
    }

    /// <summary>The value at <paramref name="index"/>, or <see langword="null"/> where it is missing.</summary>
    public double? ValueAt(int index)
    {
        var value = Values.Span[index];
        return double.IsNaN(value) ? null : value;
    }
}
