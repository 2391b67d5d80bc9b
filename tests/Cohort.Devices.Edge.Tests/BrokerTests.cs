using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Cohort.Devices.Edge.Agent;
using Cohort.Ingestion.Mqtt;
using Cohort.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace Cohort.Devices.Edge.Tests;

/// <summary>The agent with simulated devices against a real Mosquitto broker, received by a test subscriber.</summary>
public sealed class BrokerTests(MosquittoFixture broker, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task Readings_of_a_simulated_house_reach_a_subscriber_through_Mosquitto_once_and_in_order()
    {
        using var folder = new TempFolder();
        var house = "h" + Guid.NewGuid().ToString("N")[..8];
        await using var listener = await Listener.StartAsync(broker.Host, broker.Port, $"cohort/{house}/+");
        await using var host = await AgentHost.StartAsync(broker.Host, broker.Port, o =>
        {
            o.House = house;
            o.Configuration = Houses.Parse(Houses.Json(20, "pv", "battery", "ev", "load").Replace("\"h1\"", $"\"{house}\"", StringComparison.Ordinal));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
        });

        await Houses.WaitUntilAsync(() => host.Agent.Published >= 40, "readings are published");
        await host.StopAsync();
        await Houses.WaitUntilAsync(() => listener.Readings.Count >= host.Agent.Published, "the subscriber has every published reading");

        Assert.Equal(host.Agent.Health.Sum(h => h.Reads), host.Agent.Published);
        StoreAndForwardTests.AssertEveryReadingOnceInOrder(host.Agent, [.. listener.Readings]);
        Assert.All(listener.Readings, r => Assert.Equal($"cohort/{house}/{r.Device}", r.Topic));
        Assert.All(listener.ContentTypes, c => Assert.Equal("text/plain; charset=utf-8", c));
    }

    [Fact]
    public async Task A_broker_outage_loses_no_reading_and_keeps_each_device_in_order()
    {
        using var folder = new TempFolder();
        await using var server = new MosquittoServer();
        await server.StartAsync();
        var house = "outage";
        await using var listener = await Listener.StartAsync(server.Host, server.Port, $"cohort/{house}/+");
        var gate = new PublishGate();
        await using var host = await AgentHost.StartAsync(
            server.Host,
            server.Port,
            o =>
            {
                o.House = house;
                o.Configuration = Houses.Parse(Houses.Json(20, "pv", "battery", "meter"));
                o.ConfigurationPath = folder.File("devices.json");
                o.Buffer.Directory = folder.File("buffer");
                o.ConfigTopic = null;
            },
            gate);

        await Houses.WaitUntilAsync(() => host.Agent.Published >= 20, "readings are published before the outage");

        // Mosquitto without persistence drops messages it acknowledged but had not yet passed on when it stops: let it
        // pass on everything first, so that what this test checks is the agent's store-and-forward, not the broker's.
        await gate.CloseAsync();
        await Houses.WaitUntilAsync(() => listener.Readings.Count >= host.Agent.Published, "the subscriber has what was published before the outage");
        await server.StopAsync();
        gate.Open(); // the agent now meets the real client's failures
        var readsAtStop = host.Agent.Health.Sum(h => h.Reads);
        await Houses.WaitUntilAsync(() => host.Agent.Health.Sum(h => h.Reads) >= readsAtStop + 60 && gate.Failures >= 1, "polling goes on and publishing fails while the broker is down");
        var publishedDuringOutage = host.Agent.Published;

        // Hold the agent back until the test's subscriber is subscribed again (a restarted Mosquitto without
        // persistence has forgotten every subscription), then let it publish its backlog.
        await gate.CloseAsync();
        await server.StartAsync();
        await listener.WaitUntilSubscribedAsync();
        gate.Open();

        await Houses.WaitUntilAsync(() => host.Agent.BacklogBytes == 0 && host.Agent.Published > publishedDuringOutage + 60, "the backlog is published after the outage", seconds: 60);
        await host.StopAsync();
        await Houses.WaitUntilAsync(() => listener.Readings.Count >= host.Agent.Published, "the subscriber has every published reading");

        // At-least-once: a reading is repeated only when its PUBACK was lost with the connection; none is missing and
        // each device's readings arrive in the order they were read.
        var firstArrivals = listener.Readings.DistinctBy(r => (r.Device, r.Timestamp)).ToList();
        output.WriteLine($"{listener.Readings.Count} readings received, {listener.Readings.Count - firstArrivals.Count} repeated, {gate.Failures} failed publishes");
        StoreAndForwardTests.AssertEveryReadingOnceInOrder(host.Agent, firstArrivals);
    }

    [Fact]
    public async Task Configurations_published_to_the_broker_are_applied_live_or_rejected_with_the_property_named()
    {
        using var folder = new TempFolder();
        var house = "c" + Guid.NewGuid().ToString("N")[..8];
        await using var status = await Listener.StartAsync(broker.Host, broker.Port, $"cohort_config/{house}/status");
        await using var host = await AgentHost.StartAsync(broker.Host, broker.Port, o =>
        {
            o.House = house;
            o.Configuration = Houses.Parse(Houses.Json(20, "meter"));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
            o.StatusTopic = "cohort_config/{tenant}/status";
        });
        await host.Agent.Subscribed;
        var configTopic = $"cohort_config/{house}/devices";

        await status.PublishAsync(configTopic, """{ "devices": [ { "name": "meter", "type": "simulated", "intervalMs": 0, "simulation": { "model": "load" } } ] }""");
        var rejected = await status.NextStatusAsync();
        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        Assert.Equal("$.devices[0].intervalMs", rejected.GetProperty("problems")[0].GetProperty("path").GetString());
        Assert.Equal(["meter"], host.Agent.Configuration!.Devices.Select(d => d.Name));

        var updated = Houses.Json(20, "meter", "pv").Replace("\"h1\"", $"\"{house}\"", StringComparison.Ordinal);
        await status.PublishAsync(configTopic, updated);
        var applied = await status.NextStatusAsync();
        Assert.Equal("applied", applied.GetProperty("status").GetString());
        Assert.Equal(["meter", "pv"], host.Agent.Configuration!.Devices.Select(d => d.Name));
        Assert.Equal(updated, await File.ReadAllTextAsync(folder.File("devices.json")));
        await Houses.WaitUntilAsync(() => host.Agent.Health.Any(h => h.DeviceName == "pv" && h.Reads > 0), "the added device is polled");
    }

    /// <summary>Blocks the agent's publishes (as transient failures) while closed; counts failures of the real client.</summary>
    private sealed class PublishGate
    {
        private volatile bool _closed;
        private int _failures;
        private int _inFlight;

        public int Failures => Volatile.Read(ref _failures);

        /// <summary>Closes the gate and waits until no publish that passed it is still waiting on the real client.</summary>
        public async Task CloseAsync()
        {
            _closed = true;
            await Houses.WaitUntilAsync(() => Volatile.Read(ref _inFlight) == 0, "the publishes in flight end");
        }

        public void Open() => _closed = false;

        public IMqttMessagePublisher Wrap(IMqttMessagePublisher inner) => new Gated(this, inner);

        private sealed class Gated(PublishGate gate, IMqttMessagePublisher inner) : IMqttMessagePublisher
        {
            public bool IsConnected => inner.IsConnected;

            public async ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, string contentType, CancellationToken cancellationToken = default)
            {
                // Count first, then look at the gate: CloseAsync sets the gate, then waits for the count to drop.
                Interlocked.Increment(ref gate._inFlight);
                if (gate._closed)
                {
                    Interlocked.Decrement(ref gate._inFlight);
                    await Task.Delay(10, cancellationToken);
                    throw new MqttDeliveryException("Held back by the test until its subscriber is back.", isTransient: true);
                }

                try
                {
                    await inner.PublishAsync(topic, payload, contentType, cancellationToken);
                }
                catch (MqttDeliveryException)
                {
                    Interlocked.Increment(ref gate._failures);
                    throw;
                }
                finally
                {
                    Interlocked.Decrement(ref gate._inFlight);
                }
            }
        }
    }

    /// <summary>The agent in a DI container with the real MQTT client, its hosted services started.</summary>
    private sealed class AgentHost : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly IHostedService[] _hosted;
        private bool _stopped;

        private AgentHost(ServiceProvider services)
        {
            _services = services;
            _hosted = [.. services.GetServices<IHostedService>()];
            Agent = services.GetRequiredService<EdgeAgent>();
        }

        public EdgeAgent Agent { get; }

        public static async Task<AgentHost> StartAsync(string host, int port, Action<EdgeAgentOptions> configure, PublishGate? gate = null)
        {
            var services = new ServiceCollection();
            if (gate is not null)
            {
                services.AddSingleton(sp => gate.Wrap(sp.GetRequiredService<IMqttConnection>()));
            }

            services.AddCohortMqttClient(o =>
            {
                o.Host = host;
                o.Port = port;
                o.ConnectTimeout = TimeSpan.FromSeconds(2);
                o.ReconnectMinDelay = TimeSpan.FromMilliseconds(50);
                o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(400);
            });
            services.AddCohortEdgeAgent(o =>
            {
                o.Jitter = 0;
                o.RetryMinDelay = TimeSpan.FromMilliseconds(50);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
                configure(o);
            });
            var agentHost = new AgentHost(services.BuildServiceProvider());
            foreach (var hosted in agentHost._hosted)
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            return agentHost;
        }

        public async Task StopAsync()
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            foreach (var hosted in _hosted.Reverse())
            {
                await hosted.StopAsync(guard.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await _services.DisposeAsync();
        }
    }

    /// <summary>A test client subscribed to one filter, keeping what it receives.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly IMqttConnection _connection;
        private readonly string _filter;
        private readonly ConcurrentQueue<PublishedReading> _readings = new();
        private readonly ConcurrentQueue<string> _contentTypes = new();
        private readonly System.Threading.Channels.Channel<string> _texts = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private IAsyncDisposable? _subscription;

        private Listener(IMqttConnection connection, string filter)
        {
            _connection = connection;
            _filter = filter;
        }

        public IReadOnlyList<PublishedReading> Readings => [.. _readings];

        public IReadOnlyList<string> ContentTypes => [.. _contentTypes];

        public static async Task<Listener> StartAsync(string host, int port, string filter)
        {
            var connection = MqttConnectionFactory.Create(new MqttConnectionOptions
            {
                Host = host,
                Port = port,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            });
            var listener = new Listener(connection, filter);
            listener._subscription = await connection.SubscribeAsync(filter, listener.HandleAsync);
            return listener;
        }

        public Task PublishAsync(string topic, string payload) => _connection.PublishAsync(topic, Encoding.UTF8.GetBytes(payload), "application/json").AsTask();

        public async Task<JsonElement> NextStatusAsync()
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return JsonDocument.Parse(await _texts.Reader.ReadAsync(guard.Token)).RootElement.Clone();
        }

        /// <summary>Publishes probes on a topic of the filter until one comes back: the subscription is live again.</summary>
        public async Task WaitUntilSubscribedAsync()
        {
            var probe = _filter.Replace("+", "probe", StringComparison.Ordinal);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    await _connection.PublishAsync(probe, "probe"u8.ToArray(), "text/plain");
                    using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                    while (true)
                    {
                        if (await _texts.Reader.ReadAsync(wait.Token) == "probe")
                        {
                            return;
                        }
                    }
                }
                catch (Exception ex) when (ex is MqttDeliveryException or OperationCanceledException)
                {
                    await Task.Delay(50);
                }
            }

            throw new TimeoutException("The test subscriber did not come back after the broker restart.");
        }

        public async ValueTask DisposeAsync()
        {
            if (_subscription is not null)
            {
                await _subscription.DisposeAsync();
            }

            await _connection.DisposeAsync();
        }

        private ValueTask HandleAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
        {
            var text = Encoding.UTF8.GetString(message.Payload.Span);
            if (text == "probe" || message.ContentType == "application/json")
            {
                _texts.Writer.TryWrite(text);
                return ValueTask.CompletedTask;
            }

            _contentTypes.Enqueue(message.ContentType ?? string.Empty);
            foreach (var reading in PublishedReading.Parse([(message.Topic, text)]))
            {
                _readings.Enqueue(reading);
            }

            return ValueTask.CompletedTask;
        }
    }
}
