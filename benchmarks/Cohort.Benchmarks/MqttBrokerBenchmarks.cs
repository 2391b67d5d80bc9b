using BenchmarkDotNet.Attributes;
using Cohort.Ingestion.Mqtt;
using Cohort.Testing.Servers;

namespace Cohort.Benchmarks;

/// <summary>
/// MQTT throughput of the embedded broker (MQTTnet's server in-process) against Mosquitto 2.0, with the same Cohort
/// client: 1,000 QoS 1 messages (32 publishes in flight, each awaited until PUBACK) through the broker to one
/// subscriber that acknowledges each. Times are per message.
/// </summary>
[MemoryDiagnoser]
public class MqttBrokerBenchmarks
{
    private const int Messages = 1_000;
    private static readonly byte[] Payload = "power,device=egauge w=812i,va=1034i 1700000000000000000"u8.ToArray();

    private EmbeddedMqttBroker? _embedded;
    private MosquittoServer? _mosquitto;
    private IMqttConnection _publisher = null!;
    private IMqttConnection _subscriber = null!;
    private IAsyncDisposable _subscription = null!;
    private int _received;
    private TaskCompletionSource _all = new();

    [Params("embedded", "mosquitto")]
    public string Broker { get; set; } = "embedded";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        string host;
        int port;
        if (Broker == "embedded")
        {
            _embedded = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = 0 });
            await _embedded.StartAsync();
            (host, port) = (_embedded.Address, _embedded.Port);
        }
        else
        {
            _mosquitto = new MosquittoServer(new MosquittoServerOptions { ExtraConfig = "max_queued_messages 0" });
            await _mosquitto.StartAsync();
            (host, port) = (_mosquitto.Host, _mosquitto.Port);
        }

        _publisher = MqttConnectionFactory.Create(new MqttConnectionOptions { Host = host, Port = port });
        _subscriber = MqttConnectionFactory.Create(new MqttConnectionOptions { Host = host, Port = port });
        _subscription = await _subscriber.SubscribeAsync("bench/#", (_, _) =>
        {
            if (Interlocked.Increment(ref _received) == Messages)
            {
                _all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        await _publisher.ConnectAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _subscription.DisposeAsync();
        await _subscriber.DisposeAsync();
        await _publisher.DisposeAsync();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }

        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task PublishAndReceive()
    {
        _received = 0;
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < Messages)
            {
                await _publisher.PublishAsync("bench/house-1/egauge", Payload, "text/plain");
            }
        }));
        await _all.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }
}
