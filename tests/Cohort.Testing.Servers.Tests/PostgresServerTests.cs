using Npgsql;

namespace Cohort.Testing.Servers.Tests;

public sealed class PostgresServerTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Npgsql_creates_a_table_inserts_and_reads_back()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("smoke");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE readings (device text, value double precision)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO readings VALUES (@d, @v)", connection))
        {
            insert.Parameters.AddWithValue("d", "watch-1");
            insert.Parameters.AddWithValue("v", 72.5);
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = new NpgsqlCommand("SELECT device, value FROM readings", connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("watch-1", reader.GetString(0));
        Assert.Equal(72.5, reader.GetDouble(1));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task Created_databases_are_separate()
    {
        var first = await pg.CreateUniqueDatabaseAsync();
        var second = await pg.CreateUniqueDatabaseAsync();
        await ExecuteAsync(first, "CREATE TABLE only_here (x int)");

        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(second, "SELECT * FROM only_here"));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, error.SqlState);
    }

    [Fact]
    public async Task CreateDatabaseAsync_uses_the_given_name()
    {
        var name = "named_" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = await pg.CreateDatabaseAsync(name);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database(), current_user", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(name, reader.GetString(0));
        Assert.Equal(pg.Server.UserName, reader.GetString(1));
    }

    [Fact]
    public void Listens_only_on_loopback_on_its_port()
    {
        var sockets = LoopbackSockets.Of(pg.Server.ProcessId!.Value);

        Assert.Contains(sockets, s => s.Port == pg.Server.Port);
        Assert.All(sockets, s => Assert.True(LoopbackSockets.IsLoopback(s.Table, s.Address), $"{s.Table} {s.Address}:{s.Port}"));
    }

    [Fact]
    public void Keeps_its_socket_and_data_in_its_own_temp_folder()
    {
        var socket = Path.Combine(pg.Server.SocketDirectory, $".s.PGSQL.{pg.Server.Port}");

        Assert.True(File.Exists(socket + ".lock"), socket + ".lock");
        Assert.StartsWith(pg.Server.Directory, pg.Server.DataDirectory, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(pg.Server.DataDirectory, "postmaster.pid")));
    }

    [Fact]
    public async Task Fixtures_share_one_server_per_process()
    {
        var other = new PostgresFixture();
        await other.InitializeAsync();

        Assert.Same(pg.Server, other.Server);
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<long> CountAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
