using Cohort.Devices.Configuration;

namespace Cohort.Devices.Polling;

/// <summary>Options of device polling (<c>AddCohortEdgePolling</c>).</summary>
public sealed class DevicePollingOptions
{
    /// <summary>The house configuration file to read at start (<c>devices.json</c> by default), used when <see cref="Configuration"/> is not set.</summary>
    public string ConfigurationPath { get; set; } = "devices.json";

    /// <summary>A configuration given in code; when set, <see cref="ConfigurationPath"/> is not read.</summary>
    public HouseConfiguration? Configuration { get; set; }

    /// <summary>
    /// Each read starts up to this fraction of the device's interval after its tick (0.1 by default), so that devices
    /// with the same interval do not all hit the network at the same instant. 0 reads exactly on the ticks.
    /// </summary>
    public double Jitter { get; set; } = 0.1;
}
