using Cohort.Devices.Drivers;
using Cohort.Devices.Drivers.EGauge;
using Cohort.Devices.Drivers.Http;
using Cohort.Devices.Drivers.Modbus;
using Cohort.Devices.Drivers.Simulated;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort's device drivers.</summary>
public static class CohortDevicesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the driver registry and the built-in drivers: <c>modbus-tcp</c>, <c>http-json</c>, <c>egauge</c> and
    /// <c>simulated</c>. Add third-party drivers with <see cref="CohortDevicesBuilder.AddDriver{TDriver}(string)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder to add drivers.</returns>
    public static CohortDevicesBuilder AddCohortDevices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new CohortDevicesBuilder(services);
        if (services.Any(static d => d.ServiceType == typeof(DeviceDriverRegistry)))
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new DeviceDriverRegistry(
            sp.GetServices<DeviceDriverRegistration>().Select(r => KeyValuePair.Create(r.Type, r.Resolve(sp)))));
        return builder
            .AddDriver<ModbusDriver>(ModbusDriver.TypeName)
            .AddDriver<HttpJsonDriver>(HttpJsonDriver.TypeName)
            .AddDriver<EGaugeDriver>(EGaugeDriver.TypeName)
            .AddDriver<SimulatedDriver>(SimulatedDriver.TypeName);
    }
}
