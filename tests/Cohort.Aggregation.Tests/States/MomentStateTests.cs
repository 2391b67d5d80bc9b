using Cohort.Aggregation.States;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Aggregation.Tests.States;

public class MomentStateTests
{
    [Fact]
    public void Sample_standard_deviation_of_one_value_is_zero()
    {
        var state = MomentState.Of([42]);

        Assert.Equal(0, state.SampleStd);
        Assert.Equal(42, state.Average);
    }

    [Fact]
    public void Statistics_match_their_SQL_definitions()
    {
        var state = MomentState.Of([5, 10, 10, 15, 0, 6, 20]);

        Assert.Equal(7, state.Count);
        Assert.Equal(6, state.CountNotZero);
        Assert.Equal(66, state.Total);
        Assert.Equal(0, state.Min);
        Assert.Equal(20, state.Max);
        Assert.Equal(66.0 / 7, state.Average, 12);
        // stddev_samp: sqrt(sum((x - mean)^2) / (n - 1)).
        var mean = 66.0 / 7;
        var expected = Math.Sqrt(new double[] { 5, 10, 10, 15, 0, 6, 20 }.Sum(x => (x - mean) * (x - mean)) / 6);
        Assert.Equal(expected, state.SampleStd, 12);
    }

    [Fact]
    public void Merging_two_groups_gives_the_pooled_standard_deviation_of_DACC_test_suite()
    {
        // DACC's test_compute_grouped_std: [0, 10, 20] and [5, 10, 15, 20] pooled equal [0, 5, 10, 10, 15, 20, 20].
        var a = MomentState.Of([0, 10, 20]);
        var b = MomentState.Of([5, 10, 15, 20]);

        a.Merge(b);

        var all = MomentState.Of([0, 5, 10, 10, 15, 20, 20]);
        Assert.Equal(all.SampleStd, a.SampleStd, 12);
        Assert.Equal(all.Average, a.Average, 12);
    }

    [Fact]
    public void Compensated_sum_does_not_drift_over_many_small_values()
    {
        var state = default(MomentState);
        for (var i = 0; i < 1_000_000; i++)
        {
            state.Add(0.1);
        }

        Assert.Equal(100_000, state.Total, 9);
    }

    [Property(MaxTest = 200)]
    public Property Merging_partial_states_in_any_split_and_order_equals_aggregating_all_values(int[] raw, int[] cuts, bool reverse)
    {
        var values = raw.Select(v => v / 8.0).ToArray();
        var parts = Split(values, cuts);
        if (reverse)
        {
            parts.Reverse();
        }

        var merged = default(MomentState);
        foreach (var part in parts)
        {
            merged.Merge(MomentState.Of(part));
        }

        var all = MomentState.Of(values);
        return (merged.Count == all.Count
                && merged.CountNotZero == all.CountNotZero
                && Close(merged.Total, all.Total)
                && (all.Count == 0 || (merged.Min == all.Min && merged.Max == all.Max))
                && (all.Count == 0 || Close(merged.Average, all.Average))
                && Close(merged.SampleStd, all.SampleStd))
            .ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property Merging_exact_quantile_states_in_any_split_equals_all_values(int[] raw, int[] cuts, bool reverse)
    {
        var values = raw.Select(v => v / 4.0).ToArray();
        var parts = Split(values, cuts);
        if (reverse)
        {
            parts.Reverse();
        }

        var merged = new ExactQuantiles();
        foreach (var part in parts)
        {
            var state = new ExactQuantiles();
            foreach (var v in part)
            {
                state.Add(v);
            }

            merged.Merge(state);
        }

        var all = new ExactQuantiles();
        foreach (var v in values)
        {
            all.Add(v);
        }

        return new[] { 0, 0.25, 0.5, 0.75, 0.9, 1 }
            .All(p => values.Length == 0 ? double.IsNaN(merged.Quantile(p)) : merged.Quantile(p) == all.Quantile(p))
            .ToProperty();
    }

    internal static List<double[]> Split(double[] values, int[] cuts)
    {
        var points = cuts.Select(c => values.Length == 0 ? 0 : (int)((uint)c % (values.Length + 1))).Append(0).Append(values.Length).Distinct().Order().ToArray();
        var parts = new List<double[]>();
        for (var i = 1; i < points.Length; i++)
        {
            parts.Add(values[points[i - 1]..points[i]]);
        }

        return parts;
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
}
