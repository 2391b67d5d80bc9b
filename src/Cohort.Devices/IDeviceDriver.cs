using Cohort.Devices.Configuration;

namespace Cohort.Devices;

/// <summary>
/// Reads devices of one type (Modbus TCP, HTTP JSON, eGauge, simulated, or a third party's). A driver is registered
/// once under a type name and shared by every device of that type, so it must be thread-safe.
/// </summary>
public interface IDeviceDriver
{
    /// <summary>
    /// Checks the settings this driver needs in a device's configuration. Paths are relative to the device
    /// (<c>connection.port</c>, <c>fields[0].register</c>); the loader prefixes them with the device's own path.
    /// </summary>
    /// <param name="device">The device configuration to check.</param>
    /// <returns>The problems found; empty when the configuration is usable.</returns>
    IEnumerable<ConfigurationProblem> Validate(DeviceConfiguration device);

    /// <summary>
    /// Reads all the configured fields of one device. Gives up after the device's timeout with a transient
    /// <see cref="DeviceException"/>; honours <paramref name="cancellationToken"/> with <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="device">The device to read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The reading, stamped with the time the read started.</returns>
    ValueTask<DeviceReading> ReadAsync(DeviceConfiguration device, CancellationToken cancellationToken = default);
}
