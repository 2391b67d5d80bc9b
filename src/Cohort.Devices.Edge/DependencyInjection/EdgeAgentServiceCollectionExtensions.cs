using Cohort.Devices.Drivers;
using Cohort.Devices.Edge;
using Cohort.Devices.Edge.Agent;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cohort edge agent.</summary>
public static class EdgeAgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers the device drivers (<c>AddCohortDevices</c>) and the edge agent as a hosted service: it polls every
    /// device of the house configuration into a durable log, publishes the log in order through the registered
    /// <c>IMqttMessagePublisher</c>, and takes new configurations from the config topic through the registered
    /// <c>IMqttTopicSubscriber</c> (register both with <c>AddCohortMqttClient</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (house, configuration file, topics, buffer).</param>
    /// <returns>A builder to add drivers.</returns>
    public static CohortDevicesBuilder AddCohortEdgeAgent(this IServiceCollection services, Action<EdgeAgentOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<EdgeAgentOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EdgeAgentOptions>, EdgeAgentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(static d => d.ServiceType == typeof(EdgeAgent)))
        {
            services.AddSingleton<EdgeAgent>();
            services.AddSingleton<IHostedService>(static sp => sp.GetRequiredService<EdgeAgent>());
        }

        return services.AddCohortDevices();
    }
}
