using Cohort.Formulas.Binding;

namespace Cohort.Formulas.Compilation;

/// <summary>The time-aware functions over aligned rows (timestamps in Unix ns, NaN = missing), in linear time.</summary>
internal static class SeriesFunctions
{
    public static void Apply(FunctionKind function, TimeSpan duration, ReadOnlySpan<long> t, ReadOnlySpan<double> x, Span<double> result)
    {
        var durationNs = duration.Ticks * 100;
        switch (function)
        {
            case FunctionKind.Delta:
                Delta(x, result);
                break;
            case FunctionKind.Rate:
                Rate(t, x, result);
                break;
            case FunctionKind.Integral:
                Integral(t, x, durationNs, result);
                break;
            case FunctionKind.MovingAverage:
                MovingAverage(t, x, durationNs, result);
                break;
            case FunctionKind.Shift:
                Shift(t, x, durationNs, result);
                break;
            default:
                throw new InvalidOperationException($"{function} is not a time-aware function.");
        }
    }

    private static void Delta(ReadOnlySpan<double> x, Span<double> result)
    {
        if (x.Length == 0)
        {
            return;
        }

        result[0] = double.NaN;
        for (var i = 1; i < x.Length; i++)
        {
            result[i] = x[i] - x[i - 1];
        }
    }

    private static void Rate(ReadOnlySpan<long> t, ReadOnlySpan<double> x, Span<double> result)
    {
        if (x.Length == 0)
        {
            return;
        }

        result[0] = double.NaN;
        for (var i = 1; i < x.Length; i++)
        {
            result[i] = (x[i] - x[i - 1]) / ((t[i] - t[i - 1]) / 1e9);
        }
    }

    private static void Integral(ReadOnlySpan<long> t, ReadOnlySpan<double> x, long unitNs, Span<double> result)
    {
        var total = double.NaN;
        for (var i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(total) && !double.IsNaN(x[i]))
            {
                total = 0;
            }
            else if (i > 0 && !double.IsNaN(x[i]) && !double.IsNaN(x[i - 1]))
            {
                total += (x[i - 1] + x[i]) / 2 * ((t[i] - t[i - 1]) / (double)unitNs);
            }

            result[i] = total;
        }
    }

    private static void MovingAverage(ReadOnlySpan<long> t, ReadOnlySpan<double> x, long windowNs, Span<double> result)
    {
        var sum = 0.0;
        var count = 0;
        var first = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (!double.IsNaN(x[i]))
            {
                sum += x[i];
                count++;
            }

            while (t[first] <= t[i] - windowNs)
            {
                if (!double.IsNaN(x[first]))
                {
                    sum -= x[first];
                    count--;
                }

                first++;
            }

            if (count == 0)
            {
                sum = 0;
                result[i] = double.NaN;
            }
            else
            {
                result[i] = sum / count;
            }
        }
    }

    private static void Shift(ReadOnlySpan<long> t, ReadOnlySpan<double> x, long offsetNs, Span<double> result)
    {
        var j = -1;
        for (var i = 0; i < x.Length; i++)
        {
            var target = t[i] - offsetNs;
            while (j + 1 < x.Length && t[j + 1] <= target)
            {
                j++;
            }

            result[i] = j < 0 ? double.NaN : x[j];
        }
    }
}
