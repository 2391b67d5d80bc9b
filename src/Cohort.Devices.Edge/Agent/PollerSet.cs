using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Cohort.Devices.Polling;
using Microsoft.Extensions.Logging;

namespace Cohort.Devices.Edge.Agent;

/// <summary>
/// One <see cref="DevicePoller"/> per device, so a new configuration restarts only the devices whose JSON changed
/// (and starts the new ones, stops the removed ones) while the others keep their schedule. Each poller owns its
/// <c>Cohort.Devices</c> meter, so a stopped device's gauges go with it.
/// </summary>
internal sealed class PollerSet(DeviceDriverRegistry drivers, IReadingSink sink, DevicePollingOptions options, TimeProvider time, ILogger<DevicePoller> logger) : IAsyncDisposable
{
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private IReadOnlyList<DeviceHealth> _final = [];

    /// <summary>Gets the health of every running device (after <see cref="DisposeAsync"/>: as they were when they stopped).</summary>
    public IReadOnlyList<DeviceHealth> Health
    {
        get
        {
            lock (_lock)
            {
                return _running.Count == 0 ? _final : [.. _running.Values.SelectMany(static r => r.Poller.Health)];
            }
        }
    }

    /// <summary>Gets the devices running now with their configuration.</summary>
    public IReadOnlyDictionary<string, DeviceConfiguration> Devices
    {
        get
        {
            lock (_lock)
            {
                return _running.ToDictionary(static p => p.Key, static p => p.Value.Device, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Brings the running devices in line with <paramref name="configuration"/>.</summary>
    public async Task<PollerChanges> ApplyAsync(HouseConfiguration configuration, IReadOnlyDictionary<string, string> fingerprints)
    {
        List<Running> stopping = [];
        var changes = new PollerChanges();
        lock (_lock)
        {
            var wanted = configuration.Devices.ToDictionary(static d => d.Name, StringComparer.Ordinal);
            foreach (var (name, running) in _running)
            {
                if (!wanted.TryGetValue(name, out _))
                {
                    changes.Stopped.Add(name);
                    stopping.Add(running);
                }
                else if (!string.Equals(running.Fingerprint, fingerprints[name], StringComparison.Ordinal))
                {
                    changes.Restarted.Add(name);
                    stopping.Add(running);
                }
            }

            foreach (var running in stopping)
            {
                _running.Remove(running.Device.Name);
            }
        }

        await StopAsync(stopping).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var device in configuration.Devices)
            {
                if (_running.ContainsKey(device.Name))
                {
                    continue;
                }

                if (!changes.Restarted.Contains(device.Name))
                {
                    changes.Started.Add(device.Name);
                }

                _running[device.Name] = Start(device, fingerprints[device.Name]);
            }
        }

        return changes;
    }

    public async ValueTask DisposeAsync()
    {
        List<Running> all;
        lock (_lock)
        {
            all = [.. _running.Values];
            _running.Clear();
        }

        await StopAsync(all).ConfigureAwait(false);
        lock (_lock)
        {
            _final = [.. all.SelectMany(static r => r.Poller.Health)];
        }
    }

    private static async Task StopAsync(List<Running> stopping)
    {
        foreach (var running in stopping)
        {
            await running.Stop.CancelAsync().ConfigureAwait(false);
        }

        foreach (var running in stopping)
        {
            await running.Task.ConfigureAwait(false);
            running.Poller.Dispose();
            running.Stop.Dispose();
        }
    }

    private Running Start(DeviceConfiguration device, string fingerprint)
    {
        // No meter factory: the poller's meter is its own and is disposed with it (a shared meter would keep
        // reporting the gauges of stopped devices).
        var poller = new DevicePoller([device], drivers, sink, options, time, meterFactory: null, logger);
        var stop = new CancellationTokenSource();
        var task = Task.Run(() => poller.RunAsync(stop.Token), CancellationToken.None);
        return new Running(device, fingerprint, poller, stop, task);
    }

    private sealed record Running(DeviceConfiguration Device, string Fingerprint, DevicePoller Poller, CancellationTokenSource Stop, Task Task);
}

/// <summary>What applying a configuration changed.</summary>
internal sealed class PollerChanges
{
    public List<string> Started { get; } = [];

    public List<string> Restarted { get; } = [];

    public List<string> Stopped { get; } = [];

    public bool IsEmpty => Started.Count == 0 && Restarted.Count == 0 && Stopped.Count == 0;
}
