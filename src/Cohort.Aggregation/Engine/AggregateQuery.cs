using System.Collections.Immutable;

namespace Cohort.Aggregation;

/// <summary>
/// A query for released aggregates (DACC's <c>/aggregate</c>): one measure, buckets whose start is in
/// [<see cref="StartDate"/>, <see cref="EndDate"/>) (start inclusive, end exclusive), optionally one application and
/// wildcard groups, on behalf of an organisation.
/// </summary>
/// <param name="MeasureName">The measure.</param>
/// <param name="StartDate">The earliest bucket start returned (inclusive).</param>
/// <param name="EndDate">Buckets starting at or after this are not returned (exclusive).</param>
public sealed record AggregateQuery(string MeasureName, DateTimeOffset StartDate, DateTimeOffset EndDate)
{
    /// <summary>Only aggregates of raw measures from this application, or <see langword="null"/> for all.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>
    /// The groups (1 to 3) replaced by <see cref="MeasureGroup.Wildcard"/>: aggregates over every value of those
    /// groups, merged from the per-group states and thresholded after merging.
    /// </summary>
    public ImmutableArray<int> WildcardGroups { get; init; } = [];

    /// <summary>The caller's organisation (from its token), or <see langword="null"/> for an anonymous caller.</summary>
    public string? Organisation { get; init; }
}
