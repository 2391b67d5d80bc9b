namespace Cohort.Core;

/// <summary>
/// Deletes a tenant's raw points older than a cutoff: what a retention policy ("keep raw data 365 days") runs. Stores
/// that keep continuous rollups keep them: deleting raw points never changes a rollup bucket that was already
/// materialised. Only this tenant's data is ever touched.
/// </summary>
public interface IPointDeleter
{
    /// <summary>
    /// Deletes every point of <paramref name="tenant"/> whose timestamp (Unix nanoseconds) is strictly before
    /// <paramref name="before"/>, in every series. Idempotent; a tenant with no data is not an error.
    /// </summary>
    ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default);
}
