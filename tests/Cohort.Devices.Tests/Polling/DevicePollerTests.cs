using Cohort.Devices.Polling;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Devices.Tests.Polling;

public sealed class DevicePollerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DevicePollingOptions NoJitter = new() { Jitter = 0 };

    private readonly FakeTimeProvider _time = new(Start);
    private readonly ListSink _sink = new();
    private readonly TestMeterFactory _meters = new();
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Dispose();
        _meters.Dispose();
    }

    private async Task Step(Func<bool> condition, string what)
    {
        await TestDrivers.WaitUntil(condition, what);
        _time.Advance(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_slow_device_does_not_delay_a_fast_one()
    {
        var drivers = TestDrivers.Registry(_time);
        using var poller = new DevicePoller([TestDevices.Simulated("slow", latencyMs: 30_000), TestDevices.Simulated("fast")], drivers, _sink, NoJitter, _time);
        var run = poller.RunAsync(_stop.Token);

        for (var i = 1; i <= 5; i++)
        {
            await Step(() => _sink.Count("fast") == i, $"fast reading {i}");
        }

        await TestDrivers.WaitUntil(() => _sink.Count("fast") == 6, "fast reading 6");
        await _stop.CancelAsync();
        await run;

        Assert.Equal(0, _sink.Count("slow"));
        Assert.Equal(
            Enumerable.Range(0, 6).Select(s => Start.AddSeconds(s)),
            _sink.Readings.Where(r => r.DeviceName == "fast").Select(r => r.Time));
    }

    [Fact]
    public async Task A_failing_device_counts_failures_and_recovers()
    {
        var flaky = new FlakyDriver(_time) { Failing = true };
        var drivers = TestDrivers.Registry(_time, ("flaky", flaky));
        var logger = new FakeLogger<DevicePoller>();
        using var reads = new MetricCollector<long>(_meters, DevicePoller.MeterName, "cohort.devices.reads");
        using var poller = new DevicePoller([TestDevices.Flaky("relay"), TestDevices.Simulated("load")], drivers, _sink, NoJitter, _time, _meters, logger);
        var run = poller.RunAsync(_stop.Token);

        for (var i = 1; i <= 2; i++)
        {
            await Step(() => poller.Health[0].Failures == i && _sink.Count("load") == i, $"failure {i}");
        }

        await TestDrivers.WaitUntil(() => poller.Health[0].Failures == 3, "failure 3");
        var failing = poller.Health[0];
        flaky.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(1));
        await TestDrivers.WaitUntil(() => poller.Health[0].Reads == 1, "the recovery");
        var recovered = poller.Health[0];
        await _stop.CancelAsync();
        await run;

        Assert.Equal(3, failing.ConsecutiveFailures);
        Assert.Null(failing.LastSuccess);
        Assert.Contains("relay board not answering", failing.LastError);
        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.Equal(3, recovered.Failures);
        Assert.Equal(Start.AddSeconds(3), recovered.LastSuccess);
        Assert.Null(recovered.LastError);
        Assert.Equal(1, _sink.Count("relay"));
        Assert.Equal(3, logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("relay", StringComparison.Ordinal)));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message == "Device relay answers again after 3 failed reads");
        var relayReads = reads.GetMeasurementSnapshot().Where(m => (string?)m.Tags["device"] == "relay").ToList();
        Assert.Equal(3, relayReads.Count(m => (string?)m.Tags["outcome"] == "failure"));
        Assert.Equal(1, relayReads.Count(m => (string?)m.Tags["outcome"] == "success"));
    }

    [Fact]
    public async Task A_read_longer_than_the_timeout_fails_as_a_timeout_and_polling_goes_on()
    {
        var drivers = TestDrivers.Registry(_time);
        using var reads = new MetricCollector<long>(_meters, DevicePoller.MeterName, "cohort.devices.reads");
        using var poller = new DevicePoller([TestDevices.Simulated("stuck", intervalMs: 1_000, latencyMs: 10_000, timeoutMs: 2_000)], drivers, _sink, NoJitter, _time, _meters);
        var run = poller.RunAsync(_stop.Token);

        for (var i = 0; i < 8 && poller.Health[0].Failures < 2; i++)
        {
            await Task.Delay(20);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await TestDrivers.WaitUntil(() => poller.Health[0].Failures >= 2, "two timeouts");
        await _stop.CancelAsync();
        await run;

        var health = poller.Health[0];
        Assert.Equal(0, health.Reads);
        Assert.Contains("no answer within 2000 ms", health.LastError);
        Assert.True(reads.GetMeasurementSnapshot().Count(m => (string?)m.Tags["outcome"] == "timeout") >= 2);
    }

    [Fact]
    public async Task A_failing_sink_does_not_stop_polling()
    {
        var drivers = TestDrivers.Registry(_time);
        using var sinkFailures = new MetricCollector<long>(_meters, DevicePoller.MeterName, "cohort.devices.sink.failures");
        _sink.FailWhen = r => r.Time == Start;
        using var poller = new DevicePoller([TestDevices.Simulated("load")], drivers, _sink, NoJitter, _time, _meters);
        var run = poller.RunAsync(_stop.Token);

        await Step(() => sinkFailures.GetMeasurementSnapshot().Count == 1, "the sink failure");
        await TestDrivers.WaitUntil(() => _sink.Count("load") == 1, "the next reading");
        await _stop.CancelAsync();
        await run;

        Assert.Equal(Start.AddSeconds(1), Assert.Single(_sink.Readings).Time);
        Assert.Equal(2, poller.Health[0].Reads);
    }

    [Fact]
    public async Task Jitter_delays_each_read_within_its_fraction_of_the_interval()
    {
        var drivers = TestDrivers.Registry(_time);
        using var poller = new DevicePoller([TestDevices.Simulated("a", intervalMs: 10_000), TestDevices.Simulated("b", intervalMs: 10_000)], drivers, _sink, new DevicePollingOptions { Jitter = 0.5 }, _time);
        var run = poller.RunAsync(_stop.Token);

        for (var i = 0; i < 40 && _sink.Readings.Count < 6; i++)
        {
            await Task.Delay(10);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await TestDrivers.WaitUntil(() => _sink.Readings.Count >= 6, "three readings of each device");
        await _stop.CancelAsync();
        await run;

        Assert.All(_sink.Readings, r =>
        {
            var sinceTick = (r.Time - Start).TotalSeconds % 10;
            Assert.InRange(sinceTick, 0, 5 + 1); // the fake clock moves in 1 s steps
        });
        Assert.Contains(_sink.Readings, r => (r.Time - Start).TotalSeconds % 10 != 0);
    }

    [Fact]
    public async Task A_drivers_own_cancellation_is_a_failure_and_polling_goes_on()
    {
        var flaky = new FlakyDriver(_time) { CancelsOnItsOwn = true };
        using var poller = new DevicePoller([TestDevices.Flaky("relay")], TestDrivers.Registry(_time, ("flaky", flaky)), _sink, NoJitter, _time);
        var run = poller.RunAsync(_stop.Token);

        await TestDrivers.WaitUntil(() => poller.Health[0].Failures == 1, "the failure");
        flaky.CancelsOnItsOwn = false;
        _time.Advance(TimeSpan.FromSeconds(1));
        await TestDrivers.WaitUntil(() => poller.Health[0].Reads == 1, "the next read");
        await _stop.CancelAsync();
        await run;

        Assert.Equal(1, _sink.Count("relay"));
    }

    [Fact]
    public async Task Running_twice_at_once_is_refused()
    {
        using var poller = new DevicePoller([TestDevices.Simulated("load")], TestDrivers.Registry(_time), _sink, NoJitter, _time);
        var run = poller.RunAsync(_stop.Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => poller.RunAsync(_stop.Token));
        await _stop.CancelAsync();
        await run;
    }
}
