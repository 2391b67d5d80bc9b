using System.Collections.Immutable;

namespace Cohort.Aggregation;

/// <summary>
/// What a measure is and how it is aggregated and released: DACC's measure definition, with the statistics,
/// time zone, access policy, retention and privacy made explicit. Load them from JSON with
/// <see cref="MeasureDefinitionSet.Parse(string)"/>.
/// </summary>
/// <param name="Name">The measure name raw measures refer to (<c>measureName</c>).</param>
public sealed record MeasureDefinition(string Name)
{
    /// <summary>The default aggregation threshold: groups with fewer raw measures are never released.</summary>
    public const int DefaultThreshold = 5;

    /// <summary>The organisation that owns the measure (always allowed to read it).</summary>
    public string? Org { get; init; }

    /// <summary>The application expected to send the raw measures (informative, as in DACC).</summary>
    public string? CreatedBy { get; init; }

    /// <summary>A description for people.</summary>
    public string? Description { get; init; }

    /// <summary>The key of the first group (<c>group1</c>), or <see langword="null"/> when the measure has none.</summary>
    public string? Group1Key { get; init; }

    /// <summary>The key of the second group; needs <see cref="Group1Key"/>.</summary>
    public string? Group2Key { get; init; }

    /// <summary>The key of the third group; needs <see cref="Group2Key"/>.</summary>
    public string? Group3Key { get; init; }

    /// <summary>The period buckets the measure is aggregated over.</summary>
    public AggregationPeriod AggregationPeriod { get; init; } = AggregationPeriod.Day;

    /// <summary>
    /// The IANA (or Windows) time zone whose calendar the buckets follow; <see langword="null"/> for UTC. Raw measure
    /// dates without an offset are read in this zone.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>The statistics released (DACC's set by default; <c>withQuartiles</c> adds the quartiles).</summary>
    public MeasureStatistics Statistics { get; init; } = MeasureStatistics.Basic;

    /// <summary>Other percentiles to release, each in [0, 1] (e.g. 0.9), with linear interpolation.</summary>
    public ImmutableArray<double> Percentiles { get; init; } = [];

    /// <summary>How quantiles are kept: exact values (default) or a DDSketch.</summary>
    public QuantileMode QuantileMode { get; init; } = QuantileMode.Exact;

    /// <summary>The relative accuracy of the DDSketch when <see cref="QuantileMode"/> is <see cref="QuantileMode.Sketch"/>.</summary>
    public double SketchRelativeAccuracy { get; init; } = 0.01;

    /// <summary>Groups with fewer raw measures than this are never released (at least 1; default 5).</summary>
    public int AggregationThreshold { get; init; } = DefaultThreshold;

    /// <summary>Whether the aggregates may be read through queries at all (DACC's <c>accessApp</c>).</summary>
    public bool AccessApp { get; init; } = true;

    /// <summary>Whether every organisation (and an anonymous caller) may read the aggregates.</summary>
    public bool AccessPublic { get; init; }

    /// <summary>Other organisations allowed to read the aggregates, besides <see cref="Org"/>.</summary>
    public ImmutableArray<string> AccessOrgs { get; init; } = [];

    /// <summary>Days raw measures are kept once aggregated, before a purge removes them (default 90).</summary>
    public int RawRetentionDays { get; init; } = 90;

    /// <summary>
    /// For measures with quantiles: days after their arrival that raw measures stay available to recompute
    /// quantiles (DACC's <c>maxDaysToUpdateQuartile</c>, default 100); a purge keeps them at least that long.
    /// </summary>
    public int MaxDaysToUpdateQuartile { get; init; } = 100;

    /// <summary>Differential privacy applied to released aggregates, or <see langword="null"/> for none.</summary>
    public PrivacyPolicy? Privacy { get; init; }

    /// <summary>Whether the definition asks for any quantile (quartiles or other percentiles).</summary>
    public bool HasQuantiles => (Statistics & MeasureStatistics.Quartiles) != 0 || !Percentiles.IsDefaultOrEmpty;

    /// <summary>The number of groups the measure has (0 to 3).</summary>
    public int GroupCount => Group3Key is not null ? 3 : Group2Key is not null ? 2 : Group1Key is not null ? 1 : 0;

    /// <summary>The key of group <paramref name="index"/> (1 to 3), or <see langword="null"/>.</summary>
    public string? GroupKey(int index) => index switch
    {
        1 => Group1Key,
        2 => Group2Key,
        3 => Group3Key,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "Groups are numbered 1 to 3."),
    };

    /// <summary>
    /// Whether an organisation may read the aggregates: never when <see cref="AccessApp"/> is false; otherwise when
    /// the measure is public, or <paramref name="organisation"/> owns it or is in <see cref="AccessOrgs"/>.
    /// </summary>
    /// <param name="organisation">The caller's organisation (from its token), or <see langword="null"/> when anonymous.</param>
    public bool IsReadableBy(string? organisation)
    {
        if (!AccessApp)
        {
            return false;
        }

        if (AccessPublic)
        {
            return true;
        }

        return organisation is not null
            && (string.Equals(organisation, Org, StringComparison.Ordinal) || AccessOrgs.Contains(organisation, StringComparer.Ordinal));
    }
}
