using System.Collections.Immutable;

namespace Cohort.Core;

/// <summary>
/// What to read from a store: a time range (start inclusive, end exclusive), optionally one measurement, tags that
/// must match exactly, and the fields wanted (all when empty).
/// </summary>
public sealed record PointQuery
{
    /// <summary>Creates a query for a time range.</summary>
    public PointQuery(TimeRange range) => Range = range;

    /// <summary>The time range: start inclusive, end exclusive.</summary>
    public TimeRange Range { get; init; }

    /// <summary>The measurement to read, or <see langword="null"/> for every measurement.</summary>
    public string? Measurement { get; init; }

    /// <summary>Tags a series must have, with these exact values.</summary>
    public ImmutableArray<Tag> TagFilters { get; init; } = [];

    /// <summary>The field keys to read; empty for every field.</summary>
    public ImmutableArray<string> Fields { get; init; } = [];

    /// <summary>Whether a series matches <see cref="Measurement"/> and <see cref="TagFilters"/>.</summary>
    public bool Matches(SeriesKey series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (Measurement is not null && !string.Equals(Measurement, series.Measurement, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var filter in TagFilters)
        {
            if (!string.Equals(series.Tags[filter.Key], filter.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a field key is wanted.</summary>
    public bool WantsField(string fieldKey) => Fields.IsDefaultOrEmpty || Fields.Contains(fieldKey, StringComparer.Ordinal);
}
