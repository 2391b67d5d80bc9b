using Cohort.Core;
using Cohort.Storage.Conformance;
using Cohort.Testing.Servers;

namespace Cohort.Storage.Postgres.Tests;

/// <summary>
/// The store contract suite against the real PostgreSQL 15 of the shared fixture, a fresh database per store. The
/// outage test moves the store (and the tenant's data) to a dedicated server of its own and kills that one, so the
/// shared server is never stopped.
/// </summary>
public sealed class PostgresConformanceTests(PostgresFixture pg) : PointStoreConformanceTests, IClassFixture<PostgresFixture>
{
    protected override async ValueTask<StoreUnderTest> CreateStoreAsync()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("conf");
        var store = new MovableStore(new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }));
        return new StoreUnderTest(store, store, store.DisposeAsync) { AtomicBatches = true, Deleter = store };
    }

    protected override async ValueTask<IAsyncDisposable> MakeUnavailableAsync(StoreUnderTest store, Tenant tenant)
    {
        var movable = (MovableStore)store.Writer;
        var server = new PostgresServer();
        await server.StartAsync();
        var connectionString = await server.CreateUniqueDatabaseAsync("outage");
        var dedicated = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString });
        var points = new List<Point>();
        await foreach (var point in movable.ReadAsync(tenant, new PointQuery(TimeRange.All)))
        {
            points.Add(point);
        }

        if (points.Count > 0)
        {
            var copied = await dedicated.WriteAsync(tenant, PointBatch.FromPoints(points));
            Assert.True(copied.IsComplete);
        }

        await movable.MoveToAsync(dedicated, server);
        await server.KillAsync(); // the server goes away: a crash, no clean shutdown
        return new Restart(server);
    }

    private sealed class Restart(PostgresServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.StartAsync();
    }
}

/// <summary>A store that can be moved to another server (with its data copied first) during a test.</summary>
internal sealed class MovableStore(PostgresPointStore initial) : IPointWriter, IPointReader, IPointDeleter
{
    private PostgresPointStore _current = initial;
    private readonly List<IAsyncDisposable> _owned = [initial];

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
        _current.WriteAsync(tenant, batch, cancellationToken);

    public IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default) =>
        _current.ReadAsync(tenant, query, cancellationToken);

    public ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default) =>
        _current.DeleteBeforeAsync(tenant, before, cancellationToken);

    public ValueTask MoveToAsync(PostgresPointStore store, PostgresServer server)
    {
        _current = store;
        _owned.Add(store);
        _owned.Add(server);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }
}
