namespace Cohort.Aggregation;

/// <summary>Options of Cohort.Aggregation for hosts that compose it through dependency injection.</summary>
public sealed class AggregationOptions
{
    /// <summary>
    /// A DACC-style definitions JSON file to load the measure definitions from; when <see langword="null"/>, only
    /// <see cref="Definitions"/> are used.
    /// </summary>
    public string? DefinitionsPath { get; set; }

    /// <summary>Measure definitions given in code (added to those of <see cref="DefinitionsPath"/>).</summary>
    public IList<MeasureDefinition> Definitions { get; } = [];

    /// <summary>
    /// How far behind the current time rollups are materialised by a refresh (TimescaleDB's <c>end_offset</c>):
    /// buckets ending after now minus this lag stay in the real-time raw tail. Default one hour, not negative.
    /// </summary>
    public TimeSpan RollupRefreshLag { get; set; } = TimeSpan.FromHours(1);
}
