using System.Text;
using System.Threading.Channels;

namespace Cohort.Ingestion.Mqtt.Tests;

/// <summary>Helpers shared by the MQTT tests: unique topics, collecting received messages, waiting with a guard.</summary>
internal static class TestSupport
{
    /// <summary>A deadlock guard for waits on the network: generous, never an assertion about speed.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    public static string UniqueTopicRoot() => "t" + Guid.NewGuid().ToString("N")[..10];

    public static MqttConnectionOptions FastReconnect(string host, int port) => new()
    {
        Host = host,
        Port = port,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
    };

    public static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static async Task<T> ReadWithGuardAsync<T>(this ChannelReader<T> reader)
    {
        using var guard = new CancellationTokenSource(Guard);
        return await reader.ReadAsync(guard.Token);
    }

    /// <summary>Publishes until the broker acknowledges (the connection may be coming back after a restart).</summary>
    public static async Task PublishUntilAckedAsync(IMqttMessagePublisher publisher, string topic, string payload, string contentType = "text/plain")
    {
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            try
            {
                await publisher.PublishAsync(topic, Utf8(payload), contentType, guard.Token);
                return;
            }
            catch (MqttDeliveryException ex) when (ex.IsTransient)
            {
                await Task.Delay(50, guard.Token);
            }
        }
    }
}

/// <summary>Collects the messages a subscription receives.</summary>
internal sealed class Received
{
    private readonly Channel<MqttIncomingMessage> _channel = Channel.CreateUnbounded<MqttIncomingMessage>();

    public ChannelReader<MqttIncomingMessage> Reader => _channel.Reader;

    public ValueTask Handle(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        // The payload is only valid during the call: keep a copy.
        _channel.Writer.TryWrite(message with { Payload = message.Payload.ToArray() });
        return ValueTask.CompletedTask;
    }

    public async Task<string> NextTextAsync() => Encoding.UTF8.GetString((await _channel.Reader.ReadWithGuardAsync()).Payload.Span);
}
