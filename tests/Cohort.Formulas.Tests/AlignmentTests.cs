using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Formulas.Tests;

public class AlignmentTests
{
    private const long S = 1_000_000_000;
    private static readonly FieldReference A = new("d", "a");
    private static readonly FieldReference B = new("d", "b");

    private static TimeSeries Series(params (long Seconds, double Value)[] samples) =>
        new(samples.Select(s => s.Seconds * S).ToArray(), samples.Select(s => s.Value).ToArray());

    private static (long Seconds, double? Value)[] Rows(TimeSeries series) =>
        [.. Enumerable.Range(0, series.Count).Select(i => (series.Timestamps.Span[i] / S, series.ValueAt(i)))];

    private static readonly Dictionary<FieldReference, TimeSeries> Inputs = new()
    {
        [A] = Series((0, 1), (10, 2), (20, 3)),
        [B] = Series((0, 10), (15, 20), (20, 30)),
    };

    private static (long, double?)[] Evaluate(string policy) =>
        Rows(Formula.Parse("d.a + d.b").Compile().Evaluate(Inputs, AlignmentPolicy.Parse(policy)));

    [Fact]
    public void Union_keeps_every_timestamp_with_gaps_missing_as_SGMP_does() =>
        Assert.Equal([(0L, (double?)11), (10, null), (15, null), (20, 33)], Evaluate("union"));

    [Fact]
    public void Union_is_the_default() =>
        Assert.Equal(Evaluate("union"), Rows(Formula.Parse("d.a + d.b").Compile().Evaluate(Inputs)));

    [Fact]
    public void Intersect_keeps_only_timestamps_where_every_input_has_a_sample() =>
        Assert.Equal([(0L, (double?)11), (20, 33)], Evaluate("intersect"));

    [Fact]
    public void Locf_carries_the_last_observation_forward_up_to_the_maximum_staleness()
    {
        Assert.Equal([(0L, (double?)11), (10, 12), (15, 22), (20, 33)], Evaluate("locf:10s"));
        Assert.Equal([(0L, (double?)11), (10, null), (15, 22), (20, 33)], Evaluate("locf:5s"));
    }

    [Fact]
    public void Resample_takes_the_mean_or_last_per_bucket_with_empty_buckets_missing()
    {
        var inputs = new Dictionary<FieldReference, TimeSeries>
        {
            [A] = Series((0, 1), (5, 3), (25, 7)),
            [B] = Series((1, 10), (9, 20)),
        };
        var formula = Formula.Parse("d.a + d.b").Compile();
        Assert.Equal([(0L, (double?)17), (10, null), (20, null)], Rows(formula.Evaluate(inputs, AlignmentPolicy.Parse("resample:10s:mean"))));
        Assert.Equal([(0L, (double?)23), (10, null), (20, null)], Rows(formula.Evaluate(inputs, AlignmentPolicy.Resample(TimeSpan.FromSeconds(10), ResampleAggregation.Last))));
        Assert.Equal([(0L, (double?)2), (10, null), (20, 7)], Rows(Formula.Parse("d.a").Compile().Evaluate(inputs, AlignmentPolicy.Parse("resample:10s:mean"))));
    }

    [Fact]
    public void Resample_buckets_are_aligned_to_the_epoch_also_before_it()
    {
        var inputs = new Dictionary<FieldReference, TimeSeries> { [A] = Series((-5, 1), (-1, 3), (2, 5)) };
        Assert.Equal([(-10L, (double?)2), (0, 5)], Rows(Formula.Parse("d.a").Compile().Evaluate(inputs, AlignmentPolicy.Parse("resample:10s:mean"))));
    }

    [Fact]
    public void An_input_without_samples_is_missing_everywhere() =>
        Assert.Equal([(0L, (double?)null)], Rows(Formula.Parse("d.a + d.x").Compile().Evaluate(new Dictionary<FieldReference, TimeSeries> { [A] = Series((0, 1)) })));

    [Theory]
    [InlineData("union", "union")]
    [InlineData("INTERSECT", "intersect")]
    [InlineData("locf:300s", "locf:5m")]
    [InlineData("resample:1h:mean", "resample:1h:mean")]
    [InlineData("resample:90m:last", "resample:90m:last")]
    [InlineData("locf:500ms", "locf:500ms")]
    public void Parses_policies_from_the_command_line_forms(string text, string canonical) =>
        Assert.Equal(canonical, AlignmentPolicy.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("locf")]
    [InlineData("locf:5")]
    [InlineData("resample:1h")]
    [InlineData("resample:0s:mean")]
    [InlineData("resample:1h:median")]
    [InlineData("nearest")]
    public void Refuses_unknown_policies(string text)
    {
        Assert.False(AlignmentPolicy.TryParse(text, out _));
        Assert.Throws<FormatException>(() => AlignmentPolicy.Parse(text));
    }

    [Fact]
    public void Time_series_refuse_unsorted_timestamps_and_from_samples_sorts_with_last_wins()
    {
        Assert.Throws<ArgumentException>(() => new TimeSeries(new long[] { 2, 1 }, new double[] { 1, 2 }));
        var series = TimeSeries.FromSamples([new(5, 1.0), new(1, 2.0), new(5, 3.0)]);
        Assert.Equal([1L, 5], series.Timestamps.ToArray());
        Assert.Equal([2.0, 3.0], series.Values.ToArray());
    }
}
