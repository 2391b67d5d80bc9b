using Npgsql;

namespace Cohort.Testing.Servers.Tests;

/// <summary>Tests that take the server away use a server of their own, never the shared one.</summary>
public sealed class PostgresRestartTests
{
    [Fact]
    public async Task Data_and_port_survive_a_restart()
    {
        await using var server = new PostgresServer();
        await server.StartAsync();
        var port = server.Port;
        var pid = server.ProcessId;
        var db = await server.CreateDatabaseAsync("kept");
        var unpooled = new NpgsqlConnectionStringBuilder(db) { Pooling = false }.ConnectionString;
        await PostgresServerTests.ExecuteAsync(unpooled, "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)");

        await server.RestartAsync();

        Assert.True(server.IsRunning);
        Assert.Equal(port, server.Port);
        Assert.NotEqual(pid, server.ProcessId);
        Assert.Equal(2, await PostgresServerTests.CountAsync(unpooled, "t"));
    }

    [Fact]
    public async Task Committed_rows_survive_a_killed_server_and_clients_see_it_go()
    {
        await using var server = new PostgresServer();
        await server.StartAsync();
        var db = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("crash")) { Pooling = false }.ConnectionString;
        await PostgresServerTests.ExecuteAsync(db, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");

        await using var open = new NpgsqlConnection(db);
        await open.OpenAsync();
        await server.KillAsync();

        Assert.False(server.IsRunning);
        await using (var command = new NpgsqlCommand("SELECT 1", open))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());
        }

        await server.StartAsync();
        Assert.Equal(1, await PostgresServerTests.CountAsync(db, "t"));
    }

    [Fact]
    public async Task Dispose_stops_the_server_and_deletes_its_folder()
    {
        var server = new PostgresServer();
        await server.StartAsync();
        var pid = server.ProcessId!.Value;

        await server.DisposeAsync();

        Assert.False(Directory.Exists(server.Directory));
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(server.Directory, StringComparison.Ordinal));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.StartAsync());
    }
}
