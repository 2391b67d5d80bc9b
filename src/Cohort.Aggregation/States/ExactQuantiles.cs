namespace Cohort.Aggregation.States;

/// <summary>
/// Every value of a group, in no particular order: quantiles are exact and computed as PostgreSQL's
/// <c>percentile_cont</c> (linear interpolation between the two nearest ranks). The ranks a release needs are found
/// by one multi-rank selection (quickselect that recurses only into the parts holding a wanted rank: O(n) expected,
/// O(n log n) at worst via a sort fallback), not by sorting every value; the answers are the same order statistics a
/// sort gives. The last answers are kept until values are added. Merging appends.
/// </summary>
internal sealed class ExactQuantiles : IQuantileState
{
    private const int SmallRange = 24;

    private double[] _values;
    private int _count;
    private bool _sorted = true;
    private int _cachedCount = -1;
    private double[] _cachedFractions = [];
    private double[] _cachedResults = [];

    public ExactQuantiles(int capacity = 4) => _values = new double[Math.Max(capacity, 1)];

    public long Count => _count;

    public ReadOnlySpan<double> Values => _values.AsSpan(0, _count);

    public void Add(double value)
    {
        if (_count == _values.Length)
        {
            Grow(_count + 1);
        }

        if (_sorted && _count > 0 && value < _values[_count - 1])
        {
            _sorted = false;
        }

        _values[_count++] = value;
    }

    /// <summary>
    /// Makes room for <paramref name="additional"/> values written directly into <paramref name="storage"/> from
    /// <paramref name="start"/>; <see cref="CommitAppended"/> then counts them.
    /// </summary>
    public void ReserveForAppend(int additional, out double[] storage, out int start)
    {
        Reserve(additional);
        storage = _values;
        start = _count;
    }

    /// <summary>Counts the values written after <see cref="ReserveForAppend"/>; returns them.</summary>
    public ReadOnlySpan<double> CommitAppended(int added)
    {
        var appended = _values.AsSpan(_count, added);
        _count += added;
        _sorted = false;
        return appended;
    }

    public void Reserve(int additional)
    {
        if (_count + additional > _values.Length)
        {
            Grow(_count + additional);
        }
    }

    public void Merge(IQuantileState other)
    {
        var exact = (ExactQuantiles)other;
        Reserve(exact._count);
        exact.Values.CopyTo(_values.AsSpan(_count));
        _count += exact._count;
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
        Span<double> result = stackalloc double[1];
        Quantiles([fraction], result);
        return result[0];
    }

    public void Quantiles(ReadOnlySpan<double> fractions, Span<double> results)
    {
        if (_count == 0)
        {
            results[..fractions.Length].Fill(double.NaN);
            return;
        }

        if (_cachedCount == _count && fractions.SequenceEqual(_cachedFractions))
        {
            _cachedResults.CopyTo(results);
            return;
        }

        var values = _values.AsSpan(0, _count);
        if (!_sorted)
        {
            // The two ranks around each fraction's position, ascending and distinct.
            Span<int> ranks = fractions.Length <= 16 ? stackalloc int[fractions.Length * 2] : new int[fractions.Length * 2];
            for (var i = 0; i < fractions.Length; i++)
            {
                var position = fractions[i] * (_count - 1);
                ranks[2 * i] = (int)Math.Floor(position);
                ranks[(2 * i) + 1] = (int)Math.Ceiling(position);
            }

            ranks.Sort();
            var distinct = 1;
            for (var i = 1; i < ranks.Length; i++)
            {
                if (ranks[i] != ranks[distinct - 1])
                {
                    ranks[distinct++] = ranks[i];
                }
            }

            SelectRanks(values, 0, _count - 1, ranks[..distinct], 2 * (int)Math.Log2(_count));
        }

        for (var i = 0; i < fractions.Length; i++)
        {
            results[i] = PercentileCont(values, fractions[i]);
        }

        _cachedCount = _count;
        _cachedFractions = fractions.ToArray();
        _cachedResults = results[..fractions.Length].ToArray();
    }

    /// <summary>
    /// PostgreSQL's <c>percentile_cont</c> over values whose two ranks around the fraction's position hold the order
    /// statistics of those ranks (sorted values, or values after <see cref="SelectRanks"/> of those ranks).
    /// </summary>
    public static double PercentileCont(ReadOnlySpan<double> values, double fraction)
    {
        var position = fraction * (values.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        var low = values[lower];
        return lower == upper ? low : low + ((position - lower) * (values[upper] - low));
    }

    /// <summary>
    /// Rearranges <paramref name="values"/>[<paramref name="low"/>..<paramref name="high"/>] so that each of the
    /// (ascending) <paramref name="ranks"/> holds the value a sort would put there: quickselect with a median-of-three
    /// pivot and branch-free partitions (below, equal, above), recursing only into the parts that hold a wanted rank;
    /// small parts are insertion-sorted, and a sort takes over when the depth budget runs out (no quadratic worst case).
    /// </summary>
    internal static void SelectRanks(Span<double> values, int low, int high, ReadOnlySpan<int> ranks, int depth)
    {
        while (ranks.Length > 0)
        {
            if (high - low < SmallRange)
            {
                InsertionSort(values[low..(high + 1)]);
                return;
            }

            if (depth-- <= 0)
            {
                values[low..(high + 1)].Sort();
                return;
            }

            // Median of three to the end, then branch-free partitions (the comparison feeds an index, not a branch:
            // on random values half of a branchy partition's comparisons mispredict).
            var middle = low + ((high - low) / 2);
            var median = MedianOfThreeIndex(values, low, middle, high);
            (values[median], values[high]) = (values[high], values[median]);
            var pivot = values[high];
            var less = low;
            for (var k = low; k < high; k++)
            {
                var v = values[k];
                values[k] = values[less];
                values[less] = v;
                less += v < pivot ? 1 : 0;
            }

            (values[less], values[high]) = (values[high], values[less]);

            // Now [low, less) < pivot and [less, high] >= pivot with the pivot at less.
            var left = 0;
            while (left < ranks.Length && ranks[left] < less)
            {
                left++;
            }

            if (left > 0)
            {
                SelectRanks(values, low, less - 1, ranks[..left], depth);
            }

            ranks = ranks[left..];
            if (ranks.Length == 0)
            {
                return;
            }

            // Split the rest into values equal to the pivot (in place: [less, equal)) and above it ([equal, high]).
            var equal = less + 1;
            for (var k = less + 1; k <= high; k++)
            {
                var v = values[k];
                values[k] = values[equal];
                values[equal] = v;
                equal += v <= pivot ? 1 : 0;
            }

            var done = 0;
            while (done < ranks.Length && ranks[done] < equal)
            {
                done++;
            }

            ranks = ranks[done..];
            low = equal;
        }
    }

    private static int MedianOfThreeIndex(Span<double> values, int a, int b, int c)
    {
        var (x, y, z) = (values[a], values[b], values[c]);
        return x < y ? (y < z ? b : (x < z ? c : a)) : (x < z ? a : (y < z ? c : b));
    }

    private static void InsertionSort(Span<double> values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            var v = values[i];
            var j = i - 1;
            while (j >= 0 && values[j] > v)
            {
                values[j + 1] = values[j];
                j--;
            }

            values[j + 1] = v;
        }
    }

    private void Grow(int needed)
    {
        var grown = GC.AllocateUninitializedArray<double>(Math.Max(needed, _values.Length * 2));
        Values.CopyTo(grown);
        _values = grown;
    }
}
