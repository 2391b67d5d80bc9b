using Cohort.Core;

namespace Cohort.Studies.Tests.Hosting;

/// <summary>A store seen only as a reader and a writer: what a host whose store cannot delete raw points has.</summary>
internal sealed class ReadWriteOnlyStore(IPointReader reader, IPointWriter writer) : IPointReader, IPointWriter
{
    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
        writer.WriteAsync(tenant, batch, cancellationToken);

    public IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default) =>
        reader.ReadAsync(tenant, query, cancellationToken);
}
