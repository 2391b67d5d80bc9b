namespace Cohort.Testing.Servers.Tests;

public sealed class InfluxDbRestartTests
{
    [Fact]
    public async Task Databases_and_points_survive_a_restart_and_a_kill_on_the_same_port()
    {
        await using var server = new InfluxDbServer();
        await server.StartAsync();
        var port = server.Port;
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        await InfluxDbServerTests.CreateDatabaseAsync(http, "kept");
        await InfluxDbServerTests.WriteAsync(http, "kept", "m v=1 1000000000");

        await server.RestartAsync();
        await InfluxDbServerTests.WriteAsync(http, "kept", "m v=2 2000000000");
        await server.KillAsync();
        await server.StartAsync();

        Assert.Equal(port, server.Port);
        var rows = await InfluxDbServerTests.QueryAsync(http, "kept", "SELECT v FROM m");
        Assert.Equal([1.0, 2.0], rows.Select(r => r[1].GetDouble()));
    }
}
