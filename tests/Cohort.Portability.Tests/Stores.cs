using System.Runtime.CompilerServices;
using Cohort.Core;
using Cohort.Storage.Conformance;
using Cohort.Storage.InfluxDB;
using Cohort.Storage.Postgres;
using Cohort.Storage.Sqlite;
using Cohort.Testing.Servers;
using Microsoft.Data.Sqlite;

namespace Cohort.Portability.Tests;

/// <summary>The adapters an archive moves between.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
    InfluxDb,
}

/// <summary>A store of one adapter, opened on the real servers of the test process, released on dispose.</summary>
internal sealed class OpenStore(IPointWriter writer, IPointReader reader, Func<ValueTask> dispose) : IAsyncDisposable
{
    public IPointWriter Writer { get; } = writer;

    public IPointReader Reader { get; } = reader;

    public static async Task<OpenStore> OpenAsync(StoreKind kind, PostgresFixture pg, InfluxDbFixture influx)
    {
        switch (kind)
        {
            case StoreKind.Sqlite:
            {
                var directory = Path.Combine(Path.GetTempPath(), "cohort-portability-tests", Guid.NewGuid().ToString("N"));
                var store = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = directory });
                return new OpenStore(store, store, async () =>
                {
                    await store.DisposeAsync();
                    SqliteConnection.ClearAllPools();
                    Directory.Delete(directory, recursive: true);
                });
            }

            case StoreKind.Postgres:
            {
                var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = await pg.CreateUniqueDatabaseAsync("port") });
                return new OpenStore(store, store, store.DisposeAsync);
            }

            default:
            {
                var store = new InfluxDbPointStore(new InfluxDbStoreOptions { BaseUri = influx.BaseUri });
                return new OpenStore(store, store, store.DisposeAsync);
            }
        }
    }

    public async Task<List<Point>> ReadAllAsync(Tenant tenant)
    {
        var points = new List<Point>();
        await foreach (var point in Reader.ReadAsync(tenant, new PointQuery(TimeRange.All)))
        {
            points.Add(point);
        }

        return points;
    }

    public ValueTask DisposeAsync() => dispose();
}

/// <summary>The store contract's reference model as a store, per tenant: for archive tests that need no server.</summary>
internal sealed class MemoryStore : IPointWriter, IPointReader
{
    private readonly Dictionary<string, ReferenceStore> _tenants = new(StringComparer.Ordinal);

    public int Writes { get; private set; }

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        Writes++;
        return ValueTask.FromResult(Tenant(tenant).Write(batch));
    }

    public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var point in Tenant(tenant).Read(query))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return point;
        }
    }

    public List<Point> ReadAll(Tenant tenant) => Tenant(tenant).ReadAll();

    private ReferenceStore Tenant(Tenant tenant)
    {
        if (!_tenants.TryGetValue(tenant.Id, out var store))
        {
            _tenants[tenant.Id] = store = new ReferenceStore();
        }

        return store;
    }
}
