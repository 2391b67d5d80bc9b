using Cohort.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cohort.Storage.Sqlite.Tests;

/// <summary>What the SQLite adapter promises beyond the store contract: files, WAL, schema, URIs, DI.</summary>
public sealed class SqlitePointStoreTests : IDisposable
{
    private static readonly Tenant Alice = new("alice");
    private static readonly Tenant Bob = new("bob");
    private readonly TempDirectory _directory = TempDirectory.Create();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Keeps_one_WAL_mode_file_per_tenant_named_after_the_tenant()
    {
        await using (var store = CreateStore())
        {
            await WriteOneAsync(store, Alice);
            await WriteOneAsync(store, Bob);
        }

        Assert.Equal(["alice.db", "bob.db"], Directory.GetFiles(_directory.Path, "*.db").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("wal", Scalar(Path.Combine(_directory.Path, "alice.db"), "PRAGMA journal_mode;"));
    }

    [Fact]
    public async Task Keeps_every_tenant_in_one_file_in_single_file_mode()
    {
        await using (var store = CreateStore(o => { o.Mode = SqliteStoreMode.SingleFile; o.SingleFileName = "all.db"; }))
        {
            await WriteOneAsync(store, Alice);
            await WriteOneAsync(store, Bob);
        }

        Assert.Equal(["all.db"], Directory.GetFiles(_directory.Path, "*.db").Select(Path.GetFileName));
        Assert.Equal(2L, Scalar(Path.Combine(_directory.Path, "all.db"), "SELECT count(DISTINCT tenant) FROM series;"));
    }

    [Fact]
    public async Task Data_survives_closing_and_reopening_the_store()
    {
        await using (var store = CreateStore())
        {
            await WriteOneAsync(store, Alice);
        }

        await using var reopened = CreateStore();
        var points = await ReadAllAsync(reopened, Alice);

        Assert.Equal([new Point("m", TagSet.Empty, "f", 1L, 1)], points);
    }

    [Fact]
    public async Task Opening_a_database_again_applies_each_migration_once()
    {
        for (var i = 0; i < 3; i++)
        {
            await using var store = CreateStore();
            await WriteOneAsync(store, Alice);
        }

        var path = Path.Combine(_directory.Path, "alice.db");
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM cohort_schema;"));
        Assert.Equal(1L, Scalar(path, "SELECT max(version) FROM cohort_schema;"));
    }

    [Fact]
    public async Task Refuses_a_database_written_by_a_newer_schema_version_without_calling_it_transient()
    {
        await using (var store = CreateStore())
        {
            await WriteOneAsync(store, Alice);
        }

        Execute(Path.Combine(_directory.Path, "alice.db"), "INSERT INTO cohort_schema (version, description) VALUES (99, 'from the future');");
        await using var reopened = CreateStore();

        var error = await Assert.ThrowsAsync<CohortException>(() => WriteOneAsync(reopened, Alice));

        Assert.False(error.IsTransient);
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_without_calling_it_transient()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "alice.db"), new string('x', 4096));
        await using var store = CreateStore();

        var error = await Assert.ThrowsAsync<CohortException>(() => WriteOneAsync(store, Alice));

        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_created_is_a_transient_StoreUnavailableException()
    {
        var file = Path.Combine(_directory.Path, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        await using var store = CreateStore(o => o.DataDirectory = Path.Combine(file, "data"));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => WriteOneAsync(store, Alice));

        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task A_write_locked_out_beyond_the_busy_timeout_leaves_no_partial_batch()
    {
        await using var store = CreateStore(o => o.BusyTimeout = TimeSpan.FromSeconds(1));
        await WriteOneAsync(store, Alice);
        var path = store.GetDatabasePath(Alice);
        var batch = PointBatch.FromPoints(Enumerable.Range(2, 500).Select(i => new Point("m", TagSet.Empty, "f", (long)i, i)));

        await using (WriteLock.Take(path))
        {
            await Assert.ThrowsAsync<StoreUnavailableException>(() => store.WriteAsync(Alice, batch).AsTask());
        }

        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM points;"));
        Assert.Equal(500, (await store.WriteAsync(Alice, batch)).Written);
        Assert.Equal(501L, Scalar(path, "SELECT count(*) FROM points;"));
    }

    [Fact]
    public async Task A_store_opened_while_another_process_holds_the_write_lock_still_reads()
    {
        string path;
        await using (var writer = CreateStore())
        {
            await WriteOneAsync(writer, Alice);
            path = writer.GetDatabasePath(Alice);
        }

        await using var reader = CreateStore(o => o.BusyTimeout = TimeSpan.FromSeconds(1));
        await using (WriteLock.Take(path))
        {
            Assert.Equal([new Point("m", TagSet.Empty, "f", 1L, 1)], await ReadAllAsync(reader, Alice));
        }
    }

    [Fact]
    public async Task Reading_a_tenant_that_never_wrote_creates_no_file()
    {
        await using var store = CreateStore();

        Assert.Empty(await ReadAllAsync(store, Alice));
        Assert.Empty(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public async Task A_disposed_store_refuses_work()
    {
        var store = CreateStore();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => WriteOneAsync(store, Alice));
        Assert.Throws<ObjectDisposedException>(() => store.ReadAsync(Alice, new PointQuery(TimeRange.All)));
    }

    [Fact]
    public async Task A_default_tenant_is_refused()
    {
        await using var store = CreateStore();

        await Assert.ThrowsAsync<ArgumentException>(() => WriteOneAsync(store, default));
    }

    [Theory]
    [InlineData("sqlite:data", "data", SqliteStoreMode.FilePerTenant, null)]
    [InlineData("sqlite:/var/lib/cohort", "/var/lib/cohort", SqliteStoreMode.FilePerTenant, null)]
    [InlineData("SQLite:cohort.db", ".", SqliteStoreMode.SingleFile, "cohort.db")]
    [InlineData("sqlite:/srv/all/cohort.sqlite", "/srv/all", SqliteStoreMode.SingleFile, "cohort.sqlite")]
    [InlineData("sqlite:///srv/x.sqlite3", "/srv", SqliteStoreMode.SingleFile, "x.sqlite3")]
    public void Parses_store_uris(string uri, string directory, SqliteStoreMode mode, string? file)
    {
        var options = SqliteStoreOptions.FromUri(uri);

        Assert.Equal((directory, mode), (options.DataDirectory, options.Mode));
        if (file is not null)
        {
            Assert.Equal(file, options.SingleFileName);
        }
    }

    [Theory]
    [InlineData("postgres://localhost/db")]
    [InlineData("sqlite:")]
    [InlineData("data.db")]
    public void Refuses_text_that_is_not_a_sqlite_store_uri(string uri)
    {
        Assert.False(SqliteStoreOptions.TryFromUri(uri, out _));
        Assert.Throws<FormatException>(() => SqliteStoreOptions.FromUri(uri));
    }

    [Fact]
    public void AddCohortSqlite_registers_one_store_as_writer_reader_and_deleter()
    {
        using var provider = new ServiceCollection().AddCohortSqlite(o => o.DataDirectory = _directory.Path).BuildServiceProvider();

        var store = provider.GetRequiredService<SqlitePointStore>();

        Assert.Same(store, provider.GetRequiredService<IPointWriter>());
        Assert.Same(store, provider.GetRequiredService<IPointReader>());
        Assert.Same(store, provider.GetRequiredService<IPointDeleter>());
    }

    [Fact]
    public void AddCohortSqlite_keeps_a_writer_registered_before_it()
    {
        var services = new ServiceCollection();
        var other = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _directory.Path });
        services.AddSingleton<IPointWriter>(other);
        using var provider = services.AddCohortSqlite(o => o.DataDirectory = _directory.Path).BuildServiceProvider();

        Assert.Same(other, provider.GetRequiredService<IPointWriter>());
        Assert.NotSame(other, provider.GetRequiredService<IPointReader>());
    }

    [Fact]
    public void AddCohortSqlite_validates_its_options()
    {
        using var provider = new ServiceCollection().AddCohortSqlite(o => o.BusyTimeout = TimeSpan.Zero).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value);

        Assert.Contains("BusyTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_constructor_refuses_invalid_options()
    {
        Assert.Throws<ArgumentException>(() => new SqlitePointStore(new SqliteStoreOptions { DataDirectory = " " }));
        Assert.Throws<ArgumentException>(() => new SqlitePointStore(new SqliteStoreOptions { Mode = SqliteStoreMode.SingleFile, SingleFileName = "a/b.db" }));
    }

    private SqlitePointStore CreateStore(Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions { DataDirectory = _directory.Path };
        configure?.Invoke(options);
        return new SqlitePointStore(options);
    }

    private static async Task WriteOneAsync(SqlitePointStore store, Tenant tenant) =>
        await store.WriteAsync(tenant, PointBatch.FromPoints([new Point("m", TagSet.Empty, "f", 1L, 1)]));

    private static async Task<List<Point>> ReadAllAsync(SqlitePointStore store, Tenant tenant)
    {
        var points = new List<Point>();
        await foreach (var point in store.ReadAsync(tenant, new PointQuery(TimeRange.All)))
        {
            points.Add(point);
        }

        return points;
    }

    private static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(string path, string sql) => Scalar(path, sql);
}
