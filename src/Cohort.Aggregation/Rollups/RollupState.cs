using Cohort.Aggregation.States;
using Cohort.Core;

namespace Cohort.Aggregation.Rollups;

/// <summary>The mergeable state of one rollup bucket: the shared moments plus first and last by timestamp.</summary>
internal struct RollupState
{
    public MomentState Moments;
    public long FirstTimestamp;
    public double First;
    public long LastTimestamp;
    public double Last;

    public void Add(long timestamp, double value)
    {
        if (Moments.Count == 0 || timestamp < FirstTimestamp)
        {
            FirstTimestamp = timestamp;
            First = value;
        }

        if (Moments.Count == 0 || timestamp >= LastTimestamp)
        {
            LastTimestamp = timestamp;
            Last = value;
        }

        Moments.Add(value);
    }

    public void Merge(in RollupState other)
    {
        if (other.Moments.Count == 0)
        {
            return;
        }

        if (Moments.Count == 0)
        {
            this = other;
            return;
        }

        if (other.FirstTimestamp < FirstTimestamp)
        {
            FirstTimestamp = other.FirstTimestamp;
            First = other.First;
        }

        if (other.LastTimestamp >= LastTimestamp)
        {
            LastTimestamp = other.LastTimestamp;
            Last = other.Last;
        }

        Moments.Merge(other.Moments);
    }

    public readonly RollupBucket ToBucket(long start) =>
        new(start, Moments.Count, Moments.Total, Moments.Min, Moments.Max, Moments.Average, First, Last);
}
