namespace Cohort.Core;

/// <summary>
/// Reads continuous rollups: the "real-time" view of materialised buckets combined with the raw points not rolled up
/// yet. Implemented by every rollup backend (Cohort.Aggregation's in-process engine, the PostgreSQL store), which give
/// the same buckets for the same points.
/// </summary>
public interface IRollupReader
{
    /// <summary>
    /// The buckets of <paramref name="rollup"/> whose start is in <paramref name="range"/> (bounds rounded up to bucket
    /// starts), in time order, reflecting every point written so far. A rollup that is not maintained is computed from
    /// the raw points.
    /// </summary>
    ValueTask<IReadOnlyList<RollupBucket>> QueryAsync(RollupDefinition rollup, TimeRange range, CancellationToken cancellationToken = default);
}
