using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Cohort.Core;
using Cohort.Devices.Configuration;
using Cohort.Devices.Polling;

namespace Cohort.Devices.Tests.Polling;

/// <summary>Keeps every reading, by device.</summary>
internal sealed class ListSink : IReadingSink
{
    public ConcurrentQueue<DeviceReading> Readings { get; } = new();

    public Func<DeviceReading, bool>? FailWhen { get; set; }

    public int Count(string device) => Readings.Count(r => r.DeviceName == device);

    public ValueTask WriteAsync(DeviceReading reading, CancellationToken cancellationToken = default)
    {
        if (FailWhen?.Invoke(reading) == true)
        {
            throw new InvalidOperationException("sink down");
        }

        Readings.Enqueue(reading);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A third-party style driver whose device fails while <see cref="Failing"/> is set.</summary>
internal sealed class FlakyDriver(TimeProvider timeProvider) : IDeviceDriver
{
    public volatile bool Failing;

    public volatile bool CancelsOnItsOwn;

    public IEnumerable<ConfigurationProblem> Validate(DeviceConfiguration device) => [];

    public ValueTask<DeviceReading> ReadAsync(DeviceConfiguration device, CancellationToken cancellationToken = default) =>
        CancelsOnItsOwn
            ? throw new OperationCanceledException("the driver's own token")
            : Failing
            ? throw new DeviceException(device.Name, "relay board not answering", isTransient: true)
            : ValueTask.FromResult(new DeviceReading(device.Name, Timestamps.Now(timeProvider), [new Field("on", true)]));
}

/// <summary>An <see cref="IMeterFactory"/> whose meters MetricCollector can find by scope.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}

internal static class TestDevices
{
    public static DeviceConfiguration Simulated(string name, int intervalMs = 1_000, int latencyMs = 0, int timeoutMs = 60_000) => new()
    {
        Name = name,
        Type = "simulated",
        IntervalMs = intervalMs,
        TimeoutMs = timeoutMs,
        Simulation = new SimulationSettings { Model = "load", Seed = 1, LatencyMs = latencyMs },
    };

    public static DeviceConfiguration Flaky(string name, int intervalMs = 1_000) => new() { Name = name, Type = "flaky", IntervalMs = intervalMs };

    public static ImmutableArray<string> Names(IEnumerable<DeviceReading> readings) => [.. readings.Select(r => r.DeviceName)];
}
