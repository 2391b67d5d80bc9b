using Cohort.Core;
using Cohort.Storage.InfluxDB;
using Cohort.Storage.Postgres;
using Cohort.Storage.Sqlite;

namespace Cohort.Cli.Commands;

/// <summary>
/// Opens a store from the <c>--store</c> URI verbs take: <c>sqlite:&lt;path&gt;</c>,
/// <c>postgres:&lt;connection string&gt;</c> or <c>influxdb:&lt;url&gt;?db=&lt;name&gt;</c>; each adapter parses its own.
/// </summary>
internal static class StoreUris
{
    public static StoreHandle Open(string uri)
    {
        if (SqliteStoreOptions.TryFromUri(uri, out var sqlite))
        {
            var store = new SqlitePointStore(sqlite);
            return new StoreHandle(store, store, store);
        }

        if (PostgresStoreOptions.TryFromUri(uri, out var postgres))
        {
            var store = new PostgresPointStore(postgres);
            return new StoreHandle(store, store, store);
        }

        if (InfluxDbStoreOptions.TryFromUri(uri, out var influx))
        {
            var store = new InfluxDbPointStore(influx);
            return new StoreHandle(store, store, store);
        }

        throw new CliUsageException($"--store: '{uri}' is not a store URI (sqlite:<path>, postgres:<connection string>, influxdb:<url>?db=<name>)");
    }
}

/// <summary>An open store: its writer and reader, disposed together.</summary>
internal sealed class StoreHandle(IPointWriter writer, IPointReader reader, object owner) : IAsyncDisposable
{
    public IPointWriter Writer { get; } = writer;

    public IPointReader Reader { get; } = reader;

    public async ValueTask DisposeAsync()
    {
        switch (owner)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync().ConfigureAwait(false); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
    }
}
