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
/// The identity of an aggregate as the engine looks it up while adding: bucket start and the interned ids of
/// createdBy and the group values (-1 for no group), hashed cheaply.
/// </summary>
internal readonly struct GroupIds(long bucketTicks, int createdBy, int group1, int group2, int group3) : IEquatable<GroupIds>
{
    public readonly long BucketTicks = bucketTicks;
    public readonly int CreatedBy = createdBy;
    public readonly int Group1 = group1;
    public readonly int Group2 = group2;
    public readonly int Group3 = group3;

    public bool Equals(GroupIds other) => BucketTicks == other.BucketTicks && CreatedBy == other.CreatedBy
        && Group1 == other.Group1 && Group2 == other.Group2 && Group3 == other.Group3;

    public override bool Equals(object? obj) => obj is GroupIds other && Equals(other);

    public override int GetHashCode()
    {
        unchecked
        {
            var h = (int)BucketTicks ^ (int)(BucketTicks >> 32);
            h = (h * -1521134295) + CreatedBy;
            h = (h * -1521134295) + Group1;
            h = (h * -1521134295) + Group2;
            return (h * -1521134295) + Group3;
        }
    }
}

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
