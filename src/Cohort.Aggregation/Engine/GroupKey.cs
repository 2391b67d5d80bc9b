namespace Cohort.Aggregation.Engine;

/// <summary>The identity of an aggregate within a measure: bucket start (UTC ticks), application and group values.</summary>
internal readonly record struct GroupKey(long BucketTicks, string CreatedBy, string? Group1, string? Group2, string? Group3)
{
    public GroupKey WithWildcards(bool wildcard1, bool wildcard2, bool wildcard3) => new(
        BucketTicks,
        CreatedBy,
        wildcard1 ? MeasureGroup.Wildcard : Group1,
        wildcard2 ? MeasureGroup.Wildcard : Group2,
        wildcard3 ? MeasureGroup.Wildcard : Group3);
}

/// <summary>
/// The series of an aggregate as the engine looks it up while adding: the interned ids of createdBy and the group
/// values (-1 for no group); the bucket start is looked up within the series.
/// </summary>
internal readonly record struct SeriesIds(int CreatedBy, int Group1, int Group2, int Group3);

/// <summary>The mergeable state of one aggregate.</summary>
internal sealed class GroupState
{
    public States.MomentState Moments;

    public States.IQuantileState? Quantiles;

    public long LastUpdatedTicks;

    public GroupState Clone() => new() { Moments = Moments, Quantiles = Quantiles?.Clone(), LastUpdatedTicks = LastUpdatedTicks };

    public void Merge(GroupState other)
    {
        Moments.Merge(other.Moments);
        if (other.Quantiles is not null)
        {
            if (Quantiles is null)
            {
                Quantiles = other.Quantiles.Clone();
            }
            else
            {
                Quantiles.Merge(other.Quantiles);
            }
        }

        LastUpdatedTicks = Math.Max(LastUpdatedTicks, other.LastUpdatedTicks);
    }
}
