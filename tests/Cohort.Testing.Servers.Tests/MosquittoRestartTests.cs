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
}
