namespace Cohort.Core;

/// <summary>
/// Materialises continuous rollups: what a scheduled "rollup refresh" runs. Cohort.Aggregation's in-process engine and
/// the PostgreSQL store's rollup manager implement it next to <see cref="IRollupManager"/>; a backend that keeps its
/// rollups current by itself need not.
/// </summary>
public interface IRollupRefresher
{
    /// <summary>
    /// Materialises every rollup this backend maintains up to the backend's refresh lag before now, and recomputes the
    /// buckets late points invalidated. Idempotent; safe to run on a schedule.
    /// </summary>
    ValueTask RefreshAllAsync(CancellationToken cancellationToken = default);
}
