using System.Diagnostics.CodeAnalysis;

namespace Cohort.Devices.Drivers;

/// <summary>
/// Maps device type names (case-insensitive) to their drivers. Built from every driver registered through
/// <c>AddCohortDevices().AddDriver&lt;TDriver&gt;("type")</c>; a later registration of the same type replaces an earlier one.
/// </summary>
public sealed class DeviceDriverRegistry
{
    private readonly Dictionary<string, IDeviceDriver> _drivers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a registry from type names and drivers.</summary>
    /// <param name="drivers">The drivers by type name; a later entry for the same type replaces an earlier one.</param>
    public DeviceDriverRegistry(IEnumerable<KeyValuePair<string, IDeviceDriver>> drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        foreach (var (type, driver) in drivers)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(type, nameof(drivers));
            ArgumentNullException.ThrowIfNull(driver, nameof(drivers));
            _drivers[type] = driver;
        }
    }

    /// <summary>The registered type names, sorted.</summary>
    public IReadOnlyList<string> Types => [.. _drivers.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Finds the driver for a type name.</summary>
    /// <param name="type">The type name, case-insensitive.</param>
    /// <param name="driver">The driver, when found.</param>
    /// <returns>Whether a driver is registered for the type.</returns>
    public bool TryGetDriver(string type, [NotNullWhen(true)] out IDeviceDriver? driver)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _drivers.TryGetValue(type, out driver);
    }

    /// <summary>The driver for a type name.</summary>
    /// <param name="type">The type name, case-insensitive.</param>
    /// <returns>The driver.</returns>
    /// <exception cref="KeyNotFoundException">No driver is registered for the type.</exception>
    public IDeviceDriver GetDriver(string type) =>
        TryGetDriver(type, out var driver)
            ? driver
            : throw new KeyNotFoundException($"No device driver is registered for type '{type}' (known: {string.Join(", ", Types)}).");
}
