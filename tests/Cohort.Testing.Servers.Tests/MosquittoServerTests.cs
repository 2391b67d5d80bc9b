using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Cohort.Testing.Servers.Tests;

public sealed class MosquittoServerTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task A_subscriber_receives_a_QoS1_message_from_another_client()
    {
        var topic = "smoke/" + Guid.NewGuid().ToString("N");
        using var subscriber = await ConnectAsync(broker.Server);
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());

        using var publisher = await ConnectAsync(broker.Server);
        var result = await publisher.PublishAsync(Message(topic, "72"));

        Assert.True(result.IsSuccess, result.ReasonString);
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("72", message.ConvertPayloadToString());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
    }

    [Fact]
    public void Listens_only_on_loopback_on_its_port()
    {
        var sockets = LoopbackSockets.Of(broker.Server.ProcessId!.Value);

        Assert.Contains(sockets, s => s.Port == broker.Port);
        Assert.All(sockets, s => Assert.True(LoopbackSockets.IsLoopback(s.Table, s.Address), $"{s.Table} {s.Address}:{s.Port}"));
    }

    internal static MqttApplicationMessage Message(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(Encoding.UTF8.GetBytes(payload))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    internal static async Task<IMqttClient> ConnectAsync(MosquittoServer server, string? user = null, string? password = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(server.Host, server.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId("test-" + Guid.NewGuid().ToString("N")[..8])
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (user is not null)
        {
            options = options.WithCredentials(user, password);
        }

        try
        {
            await client.ConnectAsync(options.Build());
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
