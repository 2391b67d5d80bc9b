using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Cohort.Devices.Edge;
using Cohort.Devices.Edge.Agent;
using Cohort.Ingestion.Mqtt;
using Microsoft.Extensions.DependencyInjection;

namespace Cohort.Devices.Edge.Tests;

/// <summary>A publisher the test can take down: while down, every publish fails as the MQTT client does when the broker is unreachable.</summary>
internal sealed class FakePublisher : IMqttMessagePublisher
{
    private readonly ConcurrentQueue<(string Topic, string Payload, string ContentType)> _messages = new();
    private volatile bool _down;
    private int _failures;

    public bool IsConnected => !_down;

    public int Failures => Volatile.Read(ref _failures);

    public IReadOnlyList<(string Topic, string Payload, string ContentType)> Messages => [.. _messages];

    public void TakeDown() => _down = true;

    public void BringUp() => _down = false;

    public ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, string contentType, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_down)
        {
            Interlocked.Increment(ref _failures);
            throw new MqttDeliveryException("The broker is unreachable (test).", isTransient: true);
        }

        _messages.Enqueue((topic, Encoding.UTF8.GetString(payload.Span), contentType));
        return ValueTask.CompletedTask;
    }
}

/// <summary>A subscriber that hands the test's messages to the registered handlers.</summary>
internal sealed class FakeSubscriber : IMqttTopicSubscriber
{
    private readonly ConcurrentDictionary<string, Func<MqttIncomingMessage, CancellationToken, ValueTask>> _handlers = new();

    public IReadOnlyCollection<string> Filters => [.. _handlers.Keys];

    public ValueTask<IAsyncDisposable> SubscribeAsync(string topicFilter, Func<MqttIncomingMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        _handlers[topicFilter] = handler;
        return ValueTask.FromResult<IAsyncDisposable>(new Unsubscriber(() => _handlers.TryRemove(topicFilter, out _)));
    }

    public async Task DeliverAsync(string topic, string payload)
    {
        var handler = _handlers[topic];
        await handler(new MqttIncomingMessage(topic, Encoding.UTF8.GetBytes(payload), "application/json"), CancellationToken.None);
    }

    private sealed class Unsubscriber(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>One line of a published message.</summary>
internal readonly record struct PublishedReading(string Topic, string Device, long Timestamp, string Line)
{
    /// <summary>Splits line protocol payloads into readings (measurement = device, last token = timestamp).</summary>
    public static List<PublishedReading> Parse(IEnumerable<(string Topic, string Payload)> messages)
    {
        var result = new List<PublishedReading>();
        foreach (var (topic, payload) in messages)
        {
            foreach (var line in payload.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var device = line[..line.IndexOfAny([' ', ','])];
                var timestamp = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                result.Add(new PublishedReading(topic, device, timestamp, line));
            }
        }

        return result;
    }
}

/// <summary>A temp folder for one test's configuration file and buffer, deleted at the end.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cohort-edge-tests", Guid.NewGuid().ToString("N")[..12]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file may still be open on a slow shutdown.
        }
    }
}

internal static class Houses
{
    private static readonly Cohort.Devices.Drivers.DeviceDriverRegistry Drivers =
        new ServiceCollection().AddCohortDevices().Services.BuildServiceProvider().GetRequiredService<Cohort.Devices.Drivers.DeviceDriverRegistry>();

    /// <summary>Parses and validates a house configuration with the built-in drivers.</summary>
    public static Cohort.Devices.Configuration.HouseConfiguration Parse(string json) => Cohort.Devices.Configuration.HouseConfiguration.Parse(json, Drivers);

    /// <summary>A house of simulated devices polled every <paramref name="intervalMs"/>.</summary>
    public static string Json(int intervalMs, params string[] devices) =>
        "{ \"house\": \"h1\", \"devices\": [" + string.Join(", ", devices.Select((d, i) =>
            $"{{ \"name\": \"{d}\", \"type\": \"simulated\", \"intervalMs\": {intervalMs}, \"simulation\": {{ \"model\": \"load\", \"seed\": {i + 1} }} }}")) + "] }";

    /// <summary>Builds an agent through <c>AddCohortEdgeAgent</c> with the given MQTT client.</summary>
    public static (ServiceProvider Services, EdgeAgent Agent) Agent(IMqttMessagePublisher publisher, IMqttTopicSubscriber subscriber, Action<EdgeAgentOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton(publisher);
        services.AddSingleton(subscriber);
        services.AddCohortEdgeAgent(o =>
        {
            o.Jitter = 0;
            o.RetryMinDelay = TimeSpan.FromMilliseconds(20);
            o.RetryMaxDelay = TimeSpan.FromMilliseconds(100);
            configure(o);
        });
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<EdgeAgent>());
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="seconds"/> (a liveness bound, not a speed assertion).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(20);
        }
    }
}
