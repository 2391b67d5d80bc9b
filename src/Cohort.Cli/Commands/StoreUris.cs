using Cohort.Core;
using Cohort.Storage.Sqlite;

namespace Cohort.Cli.Commands;

/// <summary>Opens a store from the <c>--store</c> URI verbs take: <c>sqlite:&lt;path&gt;</c>.</summary>
internal static class StoreUris
{
    public static StoreHandle Open(string uri)
    {
        if (SqliteStoreOptions.TryFromUri(uri, out var sqlite))
        {
            var store = new SqlitePointStore(sqlite);
            return new StoreHandle(store, store, store);
        }

        throw new CliUsageException($"--store: '{uri}' is not a store URI (sqlite:<path>)");
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
