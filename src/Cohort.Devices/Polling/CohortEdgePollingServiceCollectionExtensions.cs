using Cohort.Devices.Drivers;
using Cohort.Devices.Polling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers device polling as a hosted service.</summary>
public static class CohortEdgePollingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the drivers (<c>AddCohortDevices</c>) and a hosted service that loads the house configuration at
    /// start and polls every device into the registered <see cref="IReadingSink"/> (which the host must register).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (configuration file, jitter).</param>
    /// <returns>A builder to add drivers.</returns>
    public static CohortDevicesBuilder AddCohortEdgePolling(this IServiceCollection services, Action<DevicePollingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DevicePollingOptions>()
            .Validate(static o => o.Jitter is >= 0 and <= 1, "DevicePollingOptions.Jitter must be between 0 and 1.")
            .Validate(static o => o.Configuration is not null || !string.IsNullOrWhiteSpace(o.ConfigurationPath), "DevicePollingOptions needs a Configuration or a ConfigurationPath.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EdgePollingService>());
        return services.AddCohortDevices();
    }
}
