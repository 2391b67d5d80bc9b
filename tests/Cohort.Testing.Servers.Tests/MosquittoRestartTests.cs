using MQTTnet;

namespace Cohort.Testing.Servers.Tests;

public sealed class MosquittoRestartTests
{
    [Fact]
    public async Task Clients_lose_the_connection_on_restart_and_reconnect_on_the_same_port()
    {
        await using var server = new MosquittoServer();
        await server.StartAsync();
        var port = server.Port;
        using var client = await MosquittoServerTests.ConnectAsync(server);
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };

        await server.RestartAsync();
        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(client.IsConnected);

        Assert.Equal(port, server.Port);
        using var again = await MosquittoServerTests.ConnectAsync(server);
        var result = await again.PublishAsync(MosquittoServerTests.Message("after/restart", "1"));
        Assert.True(result.IsSuccess);
    }

    [Fact]
    public async Task A_server_that_died_on_its_own_starts_again_on_the_same_port()
    {
        await using var server = new MosquittoServer();
        await server.StartAsync();
        var port = server.Port;
        using (var process = System.Diagnostics.Process.GetProcessById(server.ProcessId!.Value))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        Assert.False(server.IsRunning);
        await server.StartAsync();

        Assert.True(server.IsRunning);
        Assert.Equal(port, server.Port);
        using var client = await MosquittoServerTests.ConnectAsync(server);
        Assert.True(client.IsConnected);
    }
}
