using Cohort.Aggregation.States;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Aggregation.Tests.States;

public class QuantileTests
{
    // Values checked against PostgreSQL: SELECT percentile_cont(p) WITHIN GROUP (ORDER BY v) FROM unnest(...) v.
    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.5, 2.5)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.25, 1.75)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 0.75, 3.25)]
    [InlineData(new double[] { 5, 3 }, 0.5, 4)]
    [InlineData(new double[] { 5, 3 }, 0.25, 3.5)]
    [InlineData(new double[] { 5, 3 }, 0.75, 4.5)]
    [InlineData(new double[] { 7 }, 0.25, 7)]
    [InlineData(new double[] { 10, 0, 5, 15, 20 }, 0.5, 10)]
    [InlineData(new double[] { 10, 0, 5, 15, 20 }, 0.9, 18)]
    [InlineData(new double[] { 10, 0, 5, 15, 20 }, 0, 0)]
    [InlineData(new double[] { 10, 0, 5, 15, 20 }, 1, 20)]
    public void Exact_quantiles_interpolate_linearly_as_percentile_cont(double[] values, double fraction, double expected)
    {
        var state = new ExactQuantiles();
        foreach (var v in values)
        {
            state.Add(v);
        }

        Assert.Equal(expected, state.Quantile(fraction), 12);
    }

    [Fact]
    public void Exact_quantiles_of_nothing_are_undefined()
    {
        Assert.True(double.IsNaN(new ExactQuantiles().Quantile(0.5)));
    }

    [Property(MaxTest = 150)]
    public Property DDSketch_answers_every_rank_within_its_relative_accuracy(int[] raw)
    {
        const double alpha = 0.02;
        var values = raw.Select(v => v * 1.37).ToArray();
        var sketch = new DDSketch(alpha);
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        var sorted = values.Order().ToArray();
        var ok = true;
        for (var rank = 0; rank < sorted.Length; rank++)
        {
            var fraction = sorted.Length == 1 ? 0 : rank / (double)(sorted.Length - 1);
            var estimate = sketch.Quantile(fraction);
            ok &= Math.Abs(estimate - sorted[rank]) <= (alpha * Math.Abs(sorted[rank]) * (1 + 1e-9)) + 1e-12;
        }

        return ok.ToProperty();
    }

    [Property(MaxTest = 150)]
    public Property Merged_DDSketches_equal_the_sketch_of_all_values(int[] raw, int[] cuts, bool reverse)
    {
        var values = raw.Select(v => v / 3.0).ToArray();
        var parts = MomentStateTests.Split(values, cuts);
        if (reverse)
        {
            parts.Reverse();
        }

        var merged = new DDSketch(0.01);
        foreach (var part in parts)
        {
            var s = new DDSketch(0.01);
            foreach (var v in part)
            {
                s.Add(v);
            }

            merged.Merge(s);
        }

        var all = new DDSketch(0.01);
        foreach (var v in values)
        {
            all.Add(v);
        }

        return (merged.Count == all.Count && new[] { 0, 0.1, 0.25, 0.5, 0.75, 0.99, 1 }.All(p => merged.Quantile(p).Equals(all.Quantile(p)))).ToProperty();
    }

    [Fact]
    public void DDSketch_memory_grows_with_the_log_of_the_value_range_not_the_count()
    {
        var sketch = new DDSketch(0.01);
        for (var i = 1; i <= 1_000_000; i++)
        {
            sketch.Add(i % 10_000 + 1);
        }

        // At most log(10000) / log(1.01 / 0.99), about 461 buckets, for a million values.
        Assert.InRange(sketch.BucketCount, 100, 470);
        Assert.Equal(1_000_000, sketch.Count);
    }

    [Fact]
    public void Sketches_of_different_accuracy_do_not_merge()
    {
        Assert.Throws<InvalidOperationException>(() => new DDSketch(0.01).Merge(new DDSketch(0.02)));
    }
}
