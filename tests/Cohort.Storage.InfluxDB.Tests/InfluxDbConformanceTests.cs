using Cohort.Core;
using Cohort.Storage.Conformance;
using Cohort.Testing.Servers;

namespace Cohort.Storage.InfluxDB.Tests;

/// <summary>The store contract suite against the real influxd (1.6.7) shared by the test process.</summary>
public sealed class InfluxDbConformanceTests(InfluxDbFixture influx) : PointStoreConformanceTests, IClassFixture<InfluxDbFixture>
{
    protected override ValueTask<StoreUnderTest> CreateStoreAsync()
    {
        var store = new SwitchableStore(new InfluxDbPointStore(Options(influx.BaseUri)));
        return ValueTask.FromResult(new StoreUnderTest(store, store, store.DisposeAsync) { AtomicBatches = false, Deleter = store });
    }

    /// <summary>
    /// The shared server must not be stopped, so the tenant moves to a dedicated influxd: its data is copied there, the
    /// store switched to it, and the server killed (a crash). Disposing the result starts it again on the same port
    /// with the same data.
    /// </summary>
    protected override async ValueTask<IAsyncDisposable> MakeUnavailableAsync(StoreUnderTest store, Tenant tenant)
    {
        var switchable = (SwitchableStore)store.Writer;
        var server = new InfluxDbServer();
        await server.StartAsync();
        var dedicated = new InfluxDbPointStore(Options(server.BaseUri));
        var batch = new PointBatch();
        await foreach (var point in switchable.ReadAsync(tenant, new PointQuery(TimeRange.All)))
        {
            batch.Add(point);
        }

        await dedicated.WriteAsync(tenant, batch);
        await switchable.SwitchToAsync(dedicated, server);
        await server.KillAsync();
        return new Restart(server);
    }

    internal static InfluxDbStoreOptions Options(Uri baseUri) => new()
    {
        BaseUri = baseUri,
        MetadataDatabase = "cohort.meta",
        MaxRetries = 2,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    private sealed class Restart(InfluxDbServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.StartAsync();
    }
}

/// <summary>A store whose target can move to another server (the outage test's dedicated influxd).</summary>
internal sealed class SwitchableStore(InfluxDbPointStore initial) : IPointWriter, IPointReader, IPointDeleter
{
    private readonly List<IAsyncDisposable> _owned = [initial];
    private InfluxDbPointStore _current = initial;

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
        _current.WriteAsync(tenant, batch, cancellationToken);

    public IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default) =>
        _current.ReadAsync(tenant, query, cancellationToken);

    public ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default) =>
        _current.DeleteBeforeAsync(tenant, before, cancellationToken);

    public ValueTask SwitchToAsync(InfluxDbPointStore store, InfluxDbServer server)
    {
        _owned.Add(store);
        _owned.Add(server);
        _current = store;
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
