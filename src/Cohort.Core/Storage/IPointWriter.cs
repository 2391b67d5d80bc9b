namespace Cohort.Core;

/// <summary>
/// Writes point batches into a tenant's data. Writing a point whose series and timestamp are already stored merges
/// its fields into the stored point, the newest value winning (InfluxDB semantics); every store is held to this.
/// </summary>
public interface IPointWriter
{
    /// <summary>
    /// Writes a batch. Points the store refuses as invalid come back as rejections and the rest is written; a store
    /// that cannot be reached throws a <see cref="CohortException"/> whose <see cref="CohortException.IsTransient"/>
    /// says whether a retry may succeed.
    /// </summary>
    ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default);
}

/// <summary>Reads a tenant's points back from a store.</summary>
public interface IPointReader
{
    /// <summary>
    /// Streams the points of the series and time range the query selects, ordered by series then timestamp. Only
    /// this tenant's data is ever returned.
    /// </summary>
    IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default);
}
