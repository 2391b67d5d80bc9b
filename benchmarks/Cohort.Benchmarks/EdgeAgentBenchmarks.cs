using System.Buffers;
using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Core.LineProtocol;
using Cohort.Devices;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Cohort.Devices.Drivers.Simulated;
using Cohort.Devices.Edge.Agent;
using Cohort.Devices.Polling;
using Cohort.Ingestion.Mqtt;
using Cohort.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Benchmarks;

/// <summary>
/// Readings per second one edge agent polls AND publishes with 1,000 simulated devices (interval 1 s) to a real
/// Mosquitto on loopback: each reading is stored in the durable log (fsync per group of appends) and published in
/// order at QoS 1, the invocation ending when the broker acknowledged all 1,000 readings of the round. Mean is per
/// reading, so readings per second = 1 s / Mean. The baseline is what a user would write without the agent: the same
/// poller with a sink that publishes each reading as its own QoS 1 message and awaits the PUBACK (no durable log).
/// <c>AgentRound</c> publishes to <c>cohort/{tenant}/{device}</c> (one message per device per round).
/// Run: dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter "*EdgeAgent*" --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class EdgeAgentBenchmarks
{
    private const int DeviceCount = 1_000;
    private static readonly string[] Models = ["pv", "battery", "ev", "load"];

    private MosquittoServer _broker = null!;
    private IMqttConnection _connection = null!;
    private FakeTimeProvider _time = null!;
    private string _folder = null!;
    private ServiceProvider? _services;
    private EdgeAgent? _agent;
    private DevicePoller? _poller;
    private DirectPublishSink? _direct;
    private CancellationTokenSource? _stop;
    private Task? _run;
    private long _expected;

    [GlobalSetup(Target = nameof(AgentRound))]
    public void SetupAgent() => StartAgent("cohort/{tenant}/{device}");

    private void StartAgent(string topicTemplate)
    {
        StartBroker();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IMqttMessagePublisher>(_connection);
        services.AddSingleton<IMqttTopicSubscriber>(_connection);
        services.AddCohortEdgeAgent(o =>
        {
            o.House = "bench";
            o.Configuration = new HouseConfiguration { House = "bench", Devices = Devices() };
            o.ConfigurationPath = Path.Combine(_folder, "devices.json");
            o.Buffer.Directory = Path.Combine(_folder, "buffer");
            o.ConfigTopic = null;
            o.Jitter = 0;
            o.TopicTemplate = topicTemplate;
        });
        _services = services.BuildServiceProvider();
        _agent = _services.GetRequiredService<EdgeAgent>();
        _agent.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        _expected = DeviceCount;
        Wait(() => _agent.Published); // the first round runs at start
    }

    [GlobalSetup(Target = nameof(DirectPublishRound))]
    public void SetupDirect()
    {
        StartBroker();
        var driver = new SimulatedDriver(_time);
        var registry = new DeviceDriverRegistry([KeyValuePair.Create<string, IDeviceDriver>(SimulatedDriver.TypeName, driver)]);
        _direct = new DirectPublishSink(_connection);
        _poller = new DevicePoller(Devices(), registry, _direct, new DevicePollingOptions { Jitter = 0 }, _time);
        _stop = new CancellationTokenSource();
        _run = _poller.RunAsync(_stop.Token);
        _expected = DeviceCount;
        Wait(() => _direct.Count);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_agent is not null)
        {
            _agent.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            _services!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        if (_poller is not null)
        {
            _stop!.Cancel();
            _run!.GetAwaiter().GetResult();
            _poller.Dispose();
        }

        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = DeviceCount)]
    public long DirectPublishRound()
    {
        _expected += DeviceCount;
        _time.Advance(TimeSpan.FromSeconds(1));
        return Wait(() => _direct!.Count);
    }

    [Benchmark(OperationsPerInvoke = DeviceCount)]
    public long AgentRound()
    {
        _expected += DeviceCount;
        _time.Advance(TimeSpan.FromSeconds(1));
        return Wait(() => _agent!.Published);
    }

    private static DeviceConfiguration[] Devices() => [.. Enumerable.Range(0, DeviceCount).Select(i => new DeviceConfiguration
    {
        Name = "sim-" + i,
        Type = SimulatedDriver.TypeName,
        IntervalMs = 1_000,
        Simulation = new SimulationSettings { Model = Models[i % Models.Length], Seed = i },
    })];

    private void StartBroker()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        _folder = Path.Combine(Path.GetTempPath(), "cohort-edge-bench-" + Guid.NewGuid().ToString("N")[..8]);
        _broker = new MosquittoServer();
        _broker.StartAsync().GetAwaiter().GetResult();
        _connection = MqttConnectionFactory.Create(new MqttConnectionOptions { Host = _broker.Host, Port = _broker.Port });
        _connection.ConnectAsync().AsTask().GetAwaiter().GetResult();
    }

    private long Wait(Func<long> count)
    {
        var spin = new SpinWait();
        long value;
        while ((value = count()) < _expected)
        {
            spin.SpinOnce();
        }

        return value;
    }

    /// <summary>One QoS 1 message per reading, PUBACK awaited, nothing stored.</summary>
    private sealed class DirectPublishSink(IMqttMessagePublisher publisher) : IReadingSink
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public async ValueTask WriteAsync(DeviceReading reading, CancellationToken cancellationToken = default)
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            LineProtocolWriter.Default.Write(new Point(reading.DeviceName, TagSet.Empty, reading.Fields, reading.Timestamp), buffer);
            await publisher.PublishAsync("bench/direct/" + reading.DeviceName, buffer.WrittenMemory, "text/plain; charset=utf-8", cancellationToken);
            Interlocked.Increment(ref _count);
        }
    }
}
