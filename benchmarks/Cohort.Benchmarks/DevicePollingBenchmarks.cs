using BenchmarkDotNet.Attributes;
using Cohort.Devices;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Cohort.Devices.Drivers.Simulated;
using Cohort.Devices.Polling;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Benchmarks;

/// <summary>
/// Readings one <see cref="DevicePoller"/> produces from 1,000 simulated devices (PV, battery, EV and load models,
/// interval 1 s) into an in-memory sink. One invocation is one polling round (the fake clock advances 1 s and the
/// benchmark waits for all 1,000 readings); Mean is per reading, so readings per second = 1 s / Mean.
/// The baseline reads the same devices one after another through the driver, without the poller.
/// Run: dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter "*DevicePolling*" --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class DevicePollingBenchmarks
{
    private const int DeviceCount = 1_000;
    private static readonly string[] Models = ["pv", "battery", "ev", "load"];

    private FakeTimeProvider _time = null!;
    private SimulatedDriver _driver = null!;
    private DeviceConfiguration[] _devices = null!;
    private CountingSink _sink = null!;
    private DevicePoller _poller = null!;
    private CancellationTokenSource _stop = null!;
    private Task _run = null!;
    private long _expected;

    [GlobalSetup]
    public void Setup()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        _driver = new SimulatedDriver(_time);
        _devices = [.. Enumerable.Range(0, DeviceCount).Select(i => new DeviceConfiguration
        {
            Name = "sim-" + i,
            Type = SimulatedDriver.TypeName,
            IntervalMs = 1_000,
            Simulation = new SimulationSettings { Model = Models[i % Models.Length], Seed = i },
        })];
        var registry = new DeviceDriverRegistry([KeyValuePair.Create<string, IDeviceDriver>(SimulatedDriver.TypeName, _driver)]);
        _sink = new CountingSink();
        _poller = new DevicePoller(_devices, registry, _sink, new DevicePollingOptions { Jitter = 0 }, _time);
        _stop = new CancellationTokenSource();
        _run = _poller.RunAsync(_stop.Token);
        _expected = DeviceCount;
        Wait(); // the first round runs at start
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _run.GetAwaiter().GetResult();
        _poller.Dispose();
        _stop.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = DeviceCount)]
    public async Task<int> DriverReadsInSequence()
    {
        var fields = 0;
        foreach (var device in _devices)
        {
            var reading = await _driver.ReadAsync(device);
            fields += reading.Fields.Length;
        }

        return fields;
    }

    [Benchmark(OperationsPerInvoke = DeviceCount)]
    public long PollerRound()
    {
        _expected += DeviceCount;
        _time.Advance(TimeSpan.FromSeconds(1));
        Wait();
        return _sink.Count;
    }

    private void Wait()
    {
        var spin = new SpinWait();
        while (Interlocked.Read(ref _sink.CountField) < _expected)
        {
            spin.SpinOnce();
        }
    }

    private sealed class CountingSink : IReadingSink
    {
        public long CountField;
        private readonly DeviceReading?[] _last = new DeviceReading?[DeviceCount];

        public long Count => Interlocked.Read(ref CountField);

        public ValueTask WriteAsync(DeviceReading reading, CancellationToken cancellationToken = default)
        {
            var n = Interlocked.Increment(ref CountField);
            _last[n % DeviceCount] = reading;
            return ValueTask.CompletedTask;
        }
    }
}
