namespace Cohort.Core;

/// <summary>
/// Rollup retention: deletes a tenant's old rollup buckets, as the raw points' <see cref="IPointDeleter"/> deletes old
/// points (a study's <c>retention.rollups</c>). Cohort.Aggregation's in-process engine and the PostgreSQL store's rollup
/// manager implement it next to <see cref="IRollupManager"/>.
/// </summary>
public interface IRollupBucketDeleter
{
    /// <summary>
    /// Deletes, in every rollup of <paramref name="tenant"/> maintained now, the whole buckets that end at or before
    /// <paramref name="before"/> (Unix nanoseconds): those with start + period &lt;= <paramref name="before"/>, i.e.
    /// every bucket before the one holding the cutoff. The bucket holding the cutoff (straddling it) and later ones are
    /// kept whole.
    /// </summary>
    /// <remarks>
    /// <para>A deletion is final: the start of the bucket holding the cutoff becomes the rollup's deletion floor, below
    /// which the rollup has no buckets from then on. A query of that range returns none (it is not recomputed from the
    /// raw points, even where they are still stored), a refresh never materialises it again and a late point there is
    /// stored as a raw point but changes no bucket. A floor never moves back: a cutoff earlier than a previous one
    /// deletes nothing, so the call is idempotent and safe to run on a schedule.</para>
    /// <para>Other tenants, the raw points and the rollups themselves (their definitions) are untouched. A rollup
    /// dropped and ensured again starts without a floor. A tenant with no rollups is not an error.</para>
    /// </remarks>
    /// <param name="tenant">Whose rollups.</param>
    /// <param name="before">The cutoff, Unix nanoseconds: buckets ending at or before it are deleted.</param>
    /// <param name="cancellationToken">Cancels the deletion (a backend deletes each rollup's buckets atomically).</param>
    ValueTask DeleteBucketsBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default);
}
