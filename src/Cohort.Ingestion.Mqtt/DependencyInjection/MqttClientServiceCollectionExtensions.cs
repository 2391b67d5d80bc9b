using Cohort.Ingestion.Mqtt;
using Cohort.Ingestion.Mqtt.Client;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort's MQTT client connection.</summary>
public static class MqttClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds one reconnecting MQTT 5 connection, registered as <see cref="IMqttConnection"/>,
    /// <see cref="IMqttMessagePublisher"/> and <see cref="IMqttTopicSubscriber"/>. It connects when the host starts (a
    /// hosted service; the host does not wait for the broker) or on first use in a host without hosted services, and
    /// disconnects when the host stops. Options are validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the broker address, credentials, TLS and reconnect delays.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCohortMqttClient(this IServiceCollection services, Action<MqttConnectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MqttConnectionOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttConnectionOptions>, MqttConnectionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MqttMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new MqttConnection(
            sp.GetRequiredService<IOptions<MqttConnectionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<MqttConnection>(),
            sp.GetRequiredService<MqttMetrics>(),
            ownsMetrics: false));
        services.TryAddSingleton<IMqttConnection>(sp => sp.GetRequiredService<MqttConnection>());
        services.TryAddSingleton<IMqttMessagePublisher>(sp => sp.GetRequiredService<MqttConnection>());
        services.TryAddSingleton<IMqttTopicSubscriber>(sp => sp.GetRequiredService<MqttConnection>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MqttConnectionHostedService>());
        return services;
    }
}
