using Cohort.Core;

namespace Cohort.Aggregation;

/// <summary>
/// A point writer that writes to a store and then tells the rollup engine, so late points that land in an already
/// rolled-up bucket are reflected at once (read from raw) and recomputed at the next refresh.
/// </summary>
/// <param name="inner">The store's writer.</param>
/// <param name="rollups">The rollup engine to invalidate.</param>
public sealed class RollupInvalidatingPointWriter(IPointWriter inner, InProcessRollupEngine rollups) : IPointWriter
{
    private readonly IPointWriter _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly InProcessRollupEngine _rollups = rollups ?? throw new ArgumentNullException(nameof(rollups));

    /// <inheritdoc />
    public async ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = await _inner.WriteAsync(tenant, batch, cancellationToken).ConfigureAwait(false);
        _rollups.Invalidate(tenant, batch);
        return result;
    }
}
