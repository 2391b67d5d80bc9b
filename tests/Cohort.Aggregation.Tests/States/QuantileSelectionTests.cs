using Cohort.Aggregation.States;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Aggregation.Tests.States;

public class QuantileSelectionTests
{
    private static readonly double[] Fractions = [0.5, 0.25, 0.75, 0, 1, 0.9, 0.01, 1 / 3.0];

    [Property(MaxTest = 300)]
    public Property Selected_quantiles_equal_percentile_cont_over_the_sorted_values(int[] raw, PositiveInt spread)
    {
        // Few distinct values (many ties) as well as many.
        var values = raw.Select(v => (double)(v % spread.Get) / 4).ToArray();
        var state = new ExactQuantiles();
        foreach (var v in values)
        {
            state.Add(v);
        }

        var results = new double[Fractions.Length];
        state.Quantiles(Fractions, results);

        var sorted = values.Order().ToArray();
        return Fractions.Select((f, i) => sorted.Length == 0 ? double.IsNaN(results[i]) : results[i] == ExactQuantiles.PercentileCont(sorted, f))
            .All(ok => ok)
            .ToProperty();
    }

    [Fact]
    public void Selection_of_large_groups_with_adversarial_orders_is_exact()
    {
        var n = 10_001;
        foreach (var order in new Func<int, double>[] { i => i, i => -i, i => i % 2, i => i % 7 == 0 ? 1e9 : i, i => (i * 7919L % 10_007) / 3.0 })
        {
            var values = Enumerable.Range(0, n).Select(order).ToArray();
            var state = new ExactQuantiles();
            foreach (var v in values)
            {
                state.Add(v);
            }

            var sorted = values.Order().ToArray();
            var results = new double[Fractions.Length];
            state.Quantiles(Fractions, results);
            Assert.Equal(Fractions.Select(f => ExactQuantiles.PercentileCont(sorted, f)), results);
        }
    }

    [Fact]
    public void Answers_kept_from_a_release_are_recomputed_after_new_values()
    {
        var state = new ExactQuantiles();
        foreach (var v in new double[] { 5, 1, 3 })
        {
            state.Add(v);
        }

        Assert.Equal(3, state.Quantile(0.5));
        Assert.Equal(3, state.Quantile(0.5));
        state.Add(100);
        state.Add(50);
        Assert.Equal(5, state.Quantile(0.5));
        state.Merge(Of(-1, -2, -3));
        Assert.Equal(2, state.Quantile(0.5)); // -3 -2 -1 1 | 3 5 50 100
    }

    [Property(MaxTest = 200)]
    public Property The_state_of_a_batch_equals_adding_its_values_one_by_one(int[] raw)
    {
        var values = raw.Select(v => v / 8.0).ToArray();
        var batch = MomentState.Of(values);
        var oneByOne = default(MomentState);
        foreach (var v in values)
        {
            oneByOne.Add(v);
        }

        static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
        return (batch.Count == oneByOne.Count && batch.CountNotZero == oneByOne.CountNotZero
                && (values.Length == 0 || (batch.Min == oneByOne.Min && batch.Max == oneByOne.Max
                    && Close(batch.Total, oneByOne.Total) && Close(batch.Average, oneByOne.Average)
                    && Close(batch.SampleStd, oneByOne.SampleStd))))
            .ToProperty();
    }

    private static ExactQuantiles Of(params double[] values)
    {
        var state = new ExactQuantiles();
        foreach (var v in values)
        {
            state.Add(v);
        }

        return state;
    }
}
