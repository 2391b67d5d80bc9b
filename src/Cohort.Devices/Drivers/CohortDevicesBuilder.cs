using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cohort.Devices.Drivers;

/// <summary>Adds device drivers to the services; returned by <c>AddCohortDevices()</c>.</summary>
public sealed class CohortDevicesBuilder
{
    internal CohortDevicesBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Registers a driver under a device type name. The driver is a singleton resolved from the container (so it can
    /// take <see cref="TimeProvider"/>, loggers or options); registering a type name again replaces the earlier driver,
    /// built-in ones included.
    /// </summary>
    /// <typeparam name="TDriver">The driver class.</typeparam>
    /// <param name="type">The type name used in device configurations, case-insensitive.</param>
    /// <returns>This builder, to chain registrations.</returns>
    public CohortDevicesBuilder AddDriver<TDriver>(string type)
        where TDriver : class, IDeviceDriver
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        Services.TryAddSingleton<TDriver>();
        Services.AddSingleton(new DeviceDriverRegistration(type, static sp => sp.GetRequiredService<TDriver>()));
        return this;
    }
}

/// <summary>One driver registration: a type name and how to get its driver.</summary>
internal sealed record DeviceDriverRegistration(string Type, Func<IServiceProvider, IDeviceDriver> Resolve);
