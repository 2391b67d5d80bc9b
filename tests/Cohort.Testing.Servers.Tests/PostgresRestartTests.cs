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
    public async Task Two_servers_in_one_process_get_their_own_port_folder_and_socket_and_dispose_alone()
    {
        var first = new PostgresServer();
        await using var second = new PostgresServer();
        await Task.WhenAll(first.StartAsync(), second.StartAsync());

        Assert.NotEqual(first.Port, second.Port);
        Assert.NotEqual(first.Directory, second.Directory);
        Assert.NotEqual(first.SocketDirectory, second.SocketDirectory);
        await PostgresServerTests.ExecuteAsync(await first.CreateDatabaseAsync("same_name"), "CREATE TABLE a (x int)");
        await PostgresServerTests.ExecuteAsync(await second.CreateDatabaseAsync("same_name"), "CREATE TABLE a (x int)");

        var pid = first.ProcessId!.Value;
        await first.DisposeAsync();

        Assert.False(Directory.Exists(first.Directory));
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(first.Directory, StringComparison.Ordinal));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.StartAsync());
        Assert.True(second.IsRunning);
        Assert.Equal(0, await PostgresServerTests.CountAsync(second.GetConnectionString("same_name"), "a"));
    }
}
