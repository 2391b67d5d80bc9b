namespace Cohort.Core;

/// <summary>
/// A continuous rollup of one field of a tenant's data over fixed periods (count, sum, min, max, avg, first, last per
/// bucket), kept up to date as points arrive.
/// </summary>
/// <param name="Tenant">Whose data.</param>
/// <param name="Field">Which device field.</param>
/// <param name="Period">The bucket length, e.g. one hour.</param>
public sealed record RollupDefinition(Tenant Tenant, FieldReference Field, TimeSpan Period);

/// <summary>
/// Creates and tears down continuous rollups. Cohort.Formulas calls it as named analytics start and stop referring to
/// a field (reference counted there); Cohort.Aggregation implements it in process, and SQL stores implement it with
/// materialised rollup tables or TimescaleDB continuous aggregates. The host wires one to the other.
/// </summary>
public interface IRollupManager
{
    /// <summary>Makes sure the rollup exists and is maintained from now on (idempotent).</summary>
    ValueTask EnsureRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default);

    /// <summary>Tears the rollup down; nothing refers to its field any more (idempotent).</summary>
    ValueTask DropRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default);
}
