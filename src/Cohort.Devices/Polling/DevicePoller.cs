using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Devices.Polling;

/// <summary>
/// Polls every device at its own interval, one task per device, so a slow or failing device never delays another.
/// Each read is bounded by the device's timeout; each reading goes to the <see cref="IReadingSink"/>. Health per
/// device is kept in <see cref="Health"/> and published on the <c>Cohort.Devices</c> meter.
/// </summary>
public sealed class DevicePoller : IDisposable
{
    /// <summary>The meter name for polling metrics.</summary>
    public const string MeterName = "Cohort.Devices";

    private readonly ImmutableArray<DeviceState> _devices;
    private readonly IReadingSink _sink;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly double _jitter;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _reads;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _sinkFailures;
    private int _running;

    /// <summary>Creates a poller.</summary>
    /// <param name="devices">The devices to poll (validated, with unique names).</param>
    /// <param name="drivers">The drivers by device type.</param>
    /// <param name="sink">Where readings go.</param>
    /// <param name="options">Polling options (jitter); defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for intervals, timeouts and latencies; the system clock when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>Cohort.Devices</c> meter; a private meter when <see langword="null"/>.</param>
    /// <param name="logger">The logger; none when <see langword="null"/>.</param>
    /// <exception cref="KeyNotFoundException">A device's type has no registered driver.</exception>
    public DevicePoller(
        IEnumerable<DeviceConfiguration> devices,
        DeviceDriverRegistry drivers,
        IReadingSink sink,
        DevicePollingOptions? options = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null,
        ILogger<DevicePoller>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(drivers);
        ArgumentNullException.ThrowIfNull(sink);
        _devices = [.. devices.Select(d => new DeviceState(d, drivers.GetDriver(d.Type)))];
        _sink = sink;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _jitter = Math.Clamp(options?.Jitter ?? 0.1, 0, 1);
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _reads = _meter.CreateCounter<long>("cohort.devices.reads", "{read}", "Device reads, by device and outcome (success, failure, timeout).");
        _duration = _meter.CreateHistogram<double>("cohort.devices.read.duration", "s", "How long device reads take, by device.");
        _sinkFailures = _meter.CreateCounter<long>("cohort.devices.sink.failures", "{reading}", "Readings the sink failed to take, by device.");
        _meter.CreateObservableGauge("cohort.devices.consecutive_failures", ObserveFailures, "{read}", "Failed reads since the last success, by device.");
        _meter.CreateObservableGauge("cohort.devices.last_success", ObserveLastSuccess, "s", "Unix time of the last successful read, by device.");
    }

    /// <summary>The health of every device, in configuration order.</summary>
    public IReadOnlyList<DeviceHealth> Health => [.. _devices.Select(static d => d.Snapshot())];

    /// <summary>Polls until <paramref name="cancellationToken"/> is cancelled, then returns.</summary>
    /// <param name="cancellationToken">Stops polling.</param>
    /// <returns>A task that completes when every device's loop has stopped.</returns>
    /// <exception cref="InvalidOperationException">The poller is already running.</exception>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("The poller is already running.");
        }

        try
        {
            PollingLog.PollingStarted(_logger, _devices.Length);
            var start = _timeProvider.GetUtcNow();
            await Task.WhenAll(_devices.Select(d => Task.Run(() => PollDeviceAsync(d, start, cancellationToken), CancellationToken.None))).ConfigureAwait(false);
            PollingLog.PollingStopped(_logger);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private async Task PollDeviceAsync(DeviceState state, DateTimeOffset start, CancellationToken cancellationToken)
    {
        var interval = state.Device.Interval;
#pragma warning disable CA5394 // Jitter only spreads reads in time; it needs no cryptographic randomness.
        var random = new Random(StringComparer.Ordinal.GetHashCode(state.Device.Name));
        long tick = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = start + (interval * tick) + (interval * (_jitter * random.NextDouble()));
#pragma warning restore CA5394
            var delay = due - _timeProvider.GetUtcNow();
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }

                await PollOnceAsync(state, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // The next tick at or after now: a read that overran its interval skips the ticks it missed instead of
            // bursting, and a tick that is due right now is read right away.
            var elapsed = _timeProvider.GetUtcNow() - start;
            tick = Math.Max(tick + 1, (long)Math.Ceiling(elapsed / interval));
        }
    }

    private async Task PollOnceAsync(DeviceState state, CancellationToken cancellationToken)
    {
        var device = state.Device;
        var tag = new KeyValuePair<string, object?>("device", device.Name);
        var started = _timeProvider.GetTimestamp();
        DeviceReading reading;
        using (var timeout = new ReadTimeout(device, _timeProvider, cancellationToken))
        {
            try
            {
                reading = await state.Driver.ReadAsync(device, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Any failure but the caller's cancellation: a timeout (ours or the driver's), a device error, or a
                // driver's own stray cancellation. Counted and logged; the device's loop goes on.
                var error = ex is OperationCanceledException && timeout.TimedOut ? timeout.TimeoutException() : ex;
                var latency = _timeProvider.GetElapsedTime(started);
                var failures = state.Failed(latency, error.Message);
                var outcome = timeout.TimedOut ? "timeout" : "failure";
                _reads.Add(1, tag, new("outcome", outcome));
                _duration.Record(latency.TotalSeconds, tag);
                PollingLog.ReadFailed(_logger, device.Name, failures, error);
                return;
            }
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        var previousFailures = state.Succeeded(_timeProvider.GetUtcNow(), elapsed);
        _reads.Add(1, tag, new("outcome", "success"));
        _duration.Record(elapsed.TotalSeconds, tag);
        if (previousFailures > 0)
        {
            PollingLog.Recovered(_logger, device.Name, previousFailures);
        }

        try
        {
            await _sink.WriteAsync(reading, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _sinkFailures.Add(1, tag);
            PollingLog.SinkFailed(_logger, device.Name, ex);
        }
    }

    private IEnumerable<Measurement<int>> ObserveFailures()
    {
        foreach (var state in _devices)
        {
            yield return new Measurement<int>(state.Snapshot().ConsecutiveFailures, new KeyValuePair<string, object?>("device", state.Device.Name));
        }
    }

    private IEnumerable<Measurement<double>> ObserveLastSuccess()
    {
        foreach (var state in _devices)
        {
            if (state.Snapshot().LastSuccess is DateTimeOffset last)
            {
                yield return new Measurement<double>(last.ToUnixTimeMilliseconds() / 1000.0, new KeyValuePair<string, object?>("device", state.Device.Name));
            }
        }
    }

    /// <summary>One device's driver and health, updated by its own polling task only.</summary>
    [DebuggerDisplay("{Device.Name}")]
    private sealed class DeviceState(DeviceConfiguration device, IDeviceDriver driver)
    {
        private readonly Lock _lock = new();
        private DeviceHealth _health = new(device.Name, null, 0, null, 0, 0, null);

        public DeviceConfiguration Device { get; } = device;

        public IDeviceDriver Driver { get; } = driver;

        public DeviceHealth Snapshot()
        {
            lock (_lock)
            {
                return _health;
            }
        }

        public int Succeeded(DateTimeOffset now, TimeSpan latency)
        {
            lock (_lock)
            {
                var previous = _health.ConsecutiveFailures;
                _health = _health with { LastSuccess = now, ConsecutiveFailures = 0, LastLatency = latency, Reads = _health.Reads + 1, LastError = null };
                return previous;
            }
        }

        public int Failed(TimeSpan latency, string error)
        {
            lock (_lock)
            {
                _health = _health with { ConsecutiveFailures = _health.ConsecutiveFailures + 1, LastLatency = latency, Failures = _health.Failures + 1, LastError = error };
                return _health.ConsecutiveFailures;
            }
        }
    }
}
