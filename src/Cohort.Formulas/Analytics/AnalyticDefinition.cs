namespace Cohort.Formulas;

/// <summary>A named analytic: a formula in one scope (a house, a participant), with optional continuous aggregation.</summary>
/// <param name="Name">The name formulas use to refer to it: letters, digits and <c>_</c>, not starting with a digit.</param>
/// <param name="Formula">The formula text.</param>
public sealed record AnalyticDefinition(string Name, string Formula)
{
    /// <summary>What the analytic means, for people.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// Whether the device fields it needs should have continuous (hourly by default) rollups maintained for them,
    /// so that long ranges are read from rollups. The registry reference-counts the fields across analytics.
    /// </summary>
    public bool ContinuousAggregation { get; init; }
}
