using Cohort.Core;

namespace Cohort.Aggregation;

/// <summary>
/// A point deleter that first makes the in-process rollups of the tenant final before the cutoff (materialised now,
/// no longer recomputed from the raw points that are left), then deletes the raw points through the store. Without it,
/// buckets not materialised yet would lose the purged points, and a late point in a purged bucket would recompute it
/// from what the purge left. Stores with their own rollups (PostgreSQL) need no wrapper.
/// </summary>
/// <param name="inner">The store's deleter.</param>
/// <param name="rollups">The rollup engine whose buckets must keep the purged points.</param>
public sealed class RollupPreservingPointDeleter(IPointDeleter inner, InProcessRollupEngine rollups) : IPointDeleter
{
    private readonly IPointDeleter _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly InProcessRollupEngine _rollups = rollups ?? throw new ArgumentNullException(nameof(rollups));

    /// <inheritdoc />
    public async ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        await _rollups.FreezeBeforeAsync(tenant, before, cancellationToken).ConfigureAwait(false);
        await _inner.DeleteBeforeAsync(tenant, before, cancellationToken).ConfigureAwait(false);
    }
}
