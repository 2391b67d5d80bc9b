using System.Diagnostics.Metrics;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cohort.Devices.Polling;

/// <summary>Runs a <see cref="DevicePoller"/> over the configured house for the host's lifetime.</summary>
internal sealed class EdgePollingService(
    IOptions<DevicePollingOptions> options,
    DeviceDriverRegistry drivers,
    IReadingSink sink,
    TimeProvider timeProvider,
    IMeterFactory? meterFactory = null,
    ILogger<DevicePoller>? logger = null) : BackgroundService
{
    private DevicePoller? _poller;

    /// <summary>The running poller, once started (for health checks and tests).</summary>
    public DevicePoller? Poller => _poller;

    public override void Dispose()
    {
        _poller?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var house = settings.Configuration ?? await HouseConfiguration.LoadAsync(settings.ConfigurationPath, drivers, stoppingToken).ConfigureAwait(false);
        if (settings.Configuration is not null)
        {
            var problems = house.Validate(drivers);
            if (problems.Count > 0)
            {
                throw new DeviceConfigurationException(problems);
            }
        }

        _poller = new DevicePoller(house.Devices, drivers, sink, settings, timeProvider, meterFactory, logger);
        await _poller.RunAsync(stoppingToken).ConfigureAwait(false);
    }
}
