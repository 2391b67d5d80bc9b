using System.Collections.Immutable;

namespace Cohort.Aggregation;

/// <summary>
/// One released aggregate: the statistics of the raw measures of one (measure, period bucket, createdBy, groups).
/// Only the statistics the definition asks for are set; the others are <see langword="null"/>. A result is never
/// built for fewer raw measures than the definition's threshold.
/// </summary>
/// <param name="MeasureName">The measure.</param>
/// <param name="StartDate">The bucket start, with the offset of the measure's time zone at that instant.</param>
/// <param name="CreatedBy">The application the raw measures came from.</param>
/// <param name="Count">The number of raw measures (noisy when <see cref="IsNoisy"/>).</param>
public sealed record AggregateResult(string MeasureName, DateTimeOffset StartDate, string CreatedBy, long Count)
{
    /// <summary>The first group (its value is <c>*</c> in a wildcard aggregate), or <see langword="null"/>.</summary>
    public MeasureGroup? Group1 { get; init; }

    /// <summary>The second group, or <see langword="null"/>.</summary>
    public MeasureGroup? Group2 { get; init; }

    /// <summary>The third group, or <see langword="null"/>.</summary>
    public MeasureGroup? Group3 { get; init; }

    /// <summary>The number of non-zero values.</summary>
    public long? CountNotZero { get; init; }

    /// <summary>The sum.</summary>
    public double? Sum { get; init; }

    /// <summary>The smallest value.</summary>
    public double? Min { get; init; }

    /// <summary>The largest value.</summary>
    public double? Max { get; init; }

    /// <summary>The mean.</summary>
    public double? Avg { get; init; }

    /// <summary>The sample standard deviation (0 for one value).</summary>
    public double? Std { get; init; }

    /// <summary>The median (linear interpolation, as <c>percentile_cont(0.5)</c>).</summary>
    public double? Median { get; init; }

    /// <summary>The first quartile (<c>percentile_cont(0.25)</c>).</summary>
    public double? FirstQuartile { get; init; }

    /// <summary>The third quartile (<c>percentile_cont(0.75)</c>).</summary>
    public double? ThirdQuartile { get; init; }

    /// <summary>Other percentiles the definition asks for, as (fraction, value), in the definition's order.</summary>
    public ImmutableArray<KeyValuePair<double, double>> Percentiles { get; init; } = [];

    /// <summary>Whether differential-privacy noise was added (count, countNotZero, sum and avg).</summary>
    public bool IsNoisy { get; init; }
}
