using System.Runtime.InteropServices;

namespace Cohort.Aggregation.States;

/// <summary>
/// The mergeable moments of a set of values: count, count of non-zero values, a compensated sum, min, max, and
/// the mean and sum of squared deviations (M2) kept by Welford's update and merged by Chan et al.'s parallel
/// formula. Merging the states of any split of the values, in any order, gives the state of all of them (within
/// floating-point rounding): no rounded average is ever stored and re-weighted.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct MomentState
{
    public long Count;
    public long CountNotZero;
    public double Sum;
    public double SumCompensation;
    public double Min;
    public double Max;
    public double Mean;
    public double M2;

    public readonly bool IsEmpty => Count == 0;

    /// <summary>The sum, with the Neumaier compensation applied.</summary>
    public readonly double Total => Sum + SumCompensation;

    /// <summary>The mean as SQL's <c>avg</c> computes it: sum over count.</summary>
    public readonly double Average => Count == 0 ? double.NaN : Total / Count;

    /// <summary>The sample variance (n - 1 denominator); 0 for a single value.</summary>
    public readonly double SampleVariance => Count < 2 ? 0 : Math.Max(0, M2 / (Count - 1));

    /// <summary>The sample standard deviation; 0 for a single value (DACC's <c>coalesce(stddev, 0)</c>).</summary>
    public readonly double SampleStd => Math.Sqrt(SampleVariance);

    /// <summary>
    /// The state of a batch of values, in two passes over them (count, non-zeros, compensated sum, min and max; then
    /// M2 around the mean, with the rounding of the first pass corrected): how the engine merges a group's new values
    /// at once, as accurate as <see cref="Add"/> one by one and without a division per value.
    /// </summary>
    public static MomentState Of(ReadOnlySpan<double> values)
    {
        var state = default(MomentState);
        if (values.IsEmpty)
        {
            return state;
        }

        state.Min = values[0];
        state.Max = values[0];
        long notZero = 0;
        foreach (var v in values)
        {
            state.AddToSum(v);
            notZero += v != 0 ? 1 : 0;
            state.Min = v < state.Min ? v : state.Min;
            state.Max = v > state.Max ? v : state.Max;
        }

        var n = values.Length;
        var mean = state.Total / n;
        double m2 = 0, drift = 0;
        foreach (var v in values)
        {
            var d = v - mean;
            m2 += d * d;
            drift += d;
        }

        state.Count = n;
        state.CountNotZero = notZero;
        state.Mean = mean;
        state.M2 = Math.Max(0, m2 - (drift * drift / n));
        return state;
    }

    public void Add(double value)
    {
        if (Count == 0)
        {
            Min = value;
            Max = value;
        }
        else
        {
            if (value < Min)
            {
                Min = value;
            }

            if (value > Max)
            {
                Max = value;
            }
        }

        Count++;
        if (value != 0)
        {
            CountNotZero++;
        }

        AddToSum(value);
        var delta = value - Mean;
        Mean += delta / Count;
        M2 += delta * (value - Mean);
    }

    public void Merge(in MomentState other)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            this = other;
            return;
        }

        var n = Count + other.Count;
        var delta = other.Mean - Mean;
        var na = (double)Count;
        var nb = (double)other.Count;
        Mean += delta * (nb / n);
        M2 += other.M2 + (delta * delta * (na * nb / n));
        Count = n;
        CountNotZero += other.CountNotZero;
        AddToSum(other.Sum);
        AddToSum(other.SumCompensation);
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    private void AddToSum(double value)
    {
        // Neumaier's compensated summation: the sum stays as exact as SQL's over many values.
        var t = Sum + value;
        if (Math.Abs(Sum) >= Math.Abs(value))
        {
            SumCompensation += (Sum - t) + value;
        }
        else
        {
            SumCompensation += (value - t) + Sum;
        }

        Sum = t;
    }
}
