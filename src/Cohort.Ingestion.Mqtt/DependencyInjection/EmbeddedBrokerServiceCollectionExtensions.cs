using System.Diagnostics.Metrics;
using Cohort.Ingestion.Mqtt;
using Cohort.Ingestion.Mqtt.Broker;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort's embedded MQTT broker.</summary>
public static class EmbeddedBrokerServiceCollectionExtensions
{
    /// <summary>
    /// Adds an in-process MQTT 5 broker (<see cref="EmbeddedMqttBroker"/>, resolve it for the actual port) and a hosted
    /// service that starts it with the host and stops it at shutdown. Register it before the clients that connect to it
    /// (hosted services start in registration order). Options are validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the port, devices, their tenants and topic patterns.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCohortEmbeddedBroker(this IServiceCollection services, Action<EmbeddedBrokerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<EmbeddedBrokerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmbeddedBrokerOptions>, EmbeddedBrokerOptionsValidator>());
        services.TryAddSingleton(sp => new EmbeddedMqttBroker(
            sp.GetRequiredService<IOptions<EmbeddedBrokerOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EmbeddedBrokerHostedService>());
        return services;
    }
}
