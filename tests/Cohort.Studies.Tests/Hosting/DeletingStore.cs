using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cohort.Core;

namespace Cohort.Studies.Tests.Hosting;

/// <summary>
/// A real store (SQLite) plus <see cref="IPointDeleter"/>, until the stores implement it: a deletion records a cutoff per
/// tenant and reads leave out the points before it. Enough for these tests, which write before they purge.
/// </summary>
internal sealed class DeletingStore(IPointReader reader, IPointWriter writer) : IPointReader, IPointWriter, IPointDeleter
{
    private readonly ConcurrentDictionary<Tenant, long> _cutoffs = new();

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
        writer.WriteAsync(tenant, batch, cancellationToken);

    public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cutoff = _cutoffs.GetValueOrDefault(tenant, long.MinValue);
        await foreach (var point in reader.ReadAsync(tenant, query, cancellationToken).ConfigureAwait(false))
        {
            if (point.Timestamp >= cutoff)
            {
                yield return point;
            }
        }
    }

    public ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        _cutoffs.AddOrUpdate(tenant, before, (_, old) => Math.Max(old, before));
        return ValueTask.CompletedTask;
    }
}
