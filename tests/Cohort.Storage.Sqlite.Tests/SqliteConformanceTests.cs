using Cohort.Core;
using Cohort.Storage.Conformance;
using Microsoft.Data.Sqlite;

namespace Cohort.Storage.Sqlite.Tests;

/// <summary>The store contract suite against one file per tenant (the default layout).</summary>
public sealed class SqliteFilePerTenantConformanceTests : SqliteConformanceTests
{
    protected override SqliteStoreMode Mode => SqliteStoreMode.FilePerTenant;
}

/// <summary>The store contract suite against one shared file with a tenant column.</summary>
public sealed class SqliteSingleFileConformanceTests : SqliteConformanceTests
{
    protected override SqliteStoreMode Mode => SqliteStoreMode.SingleFile;
}

public abstract class SqliteConformanceTests : PointStoreConformanceTests
{
    protected abstract SqliteStoreMode Mode { get; }

    protected override ValueTask<StoreUnderTest> CreateStoreAsync()
    {
        var directory = TempDirectory.Create();
        var store = new SqlitePointStore(new SqliteStoreOptions
        {
            DataDirectory = directory.Path,
            Mode = Mode,
            BusyTimeout = TimeSpan.FromSeconds(1),
        });
        return ValueTask.FromResult(new StoreUnderTest(store, store, async () =>
        {
            await store.DisposeAsync();
            directory.Dispose();
        })
        {
            AtomicBatches = true,
            Deleter = store,
        });
    }

    /// <summary>
    /// Another process (a backup tool, a second host on the same folder) holds the tenant's database with an exclusive
    /// lock for longer than the busy timeout.
    /// </summary>
    protected override ValueTask<IAsyncDisposable> MakeUnavailableAsync(StoreUnderTest store, Tenant tenant)
    {
        var path = ((SqlitePointStore)store.Writer).GetDatabasePath(tenant);
        return ValueTask.FromResult<IAsyncDisposable>(WriteLock.Take(path));
    }
}

/// <summary>Another connection holding the database's write lock (<c>BEGIN IMMEDIATE</c>) until disposed.</summary>
internal sealed class WriteLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private WriteLock(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static WriteLock Take(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        var transaction = connection.BeginTransaction(deferred: false);
        using (var command = connection.CreateCommand())
        {
            // BeginTransaction took a RESERVED lock (BEGIN IMMEDIATE): no other writer may start until we let go.
            command.Transaction = transaction;
            command.CommandText = "PRAGMA user_version;";
            command.ExecuteScalar();
        }

        return new WriteLock(connection, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>A fresh folder under the temp path, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    public string Path { get; }

    public static TempDirectory Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cohort-sqlite-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return new TempDirectory(path);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere on an OS that locks them; the temp folder is cleaned later.
        }
    }
}
