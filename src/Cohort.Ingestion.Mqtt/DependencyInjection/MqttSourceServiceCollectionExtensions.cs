using System.Diagnostics.Metrics;
using Cohort.Ingestion;
using Cohort.Ingestion.Mqtt;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Cohort.Ingestion.Mqtt.Source;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MQTT ingest source and the device config publisher.</summary>
public static class MqttSourceServiceCollectionExtensions
{
    /// <summary>
    /// Adds the MQTT ingest source, run by the ingestion host (<c>AddCohortIngestion</c>): it subscribes with the topic
    /// templates, takes the tenant from <c>{tenant}</c>, turns the other variables into tags (through
    /// <see cref="IngestionOptions.Enrichment"/>), and acknowledges each message only once the pipeline has it on disk.
    /// Options are validated when the host starts. <see cref="MqttSourceReadiness"/> tells when it has subscribed.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the connection, templates, shared group and limits.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCohortMqttSource(this IServiceCollection services, Action<MqttSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MqttSourceOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttSourceOptions>, MqttSourceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MqttMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(_ => new MqttSourceReadiness());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IIngestSource, MqttIngestSource>());
        services.AddOptions<IngestionOptions>().Configure<IOptions<MqttSourceOptions>>(static (ingestion, source) =>
        {
            foreach (var topic in source.Value.Topics)
            {
                if (!MqttTopicTemplate.TryParse(topic.Template, out var template, out _))
                {
                    continue; // reported by the source's validator
                }

                foreach (var variable in template.Variables)
                {
                    if (variable is not (MqttTopicTemplate.WellKnownVariables.Tenant or MqttTopicTemplate.WellKnownVariables.Timestamp))
                    {
                        ingestion.Enrichment.MetadataTags.TryAdd(variable, variable);
                    }
                }
            }
        });
        return services;
    }

    /// <summary>Adds the MQTT ingest source to the pipeline (see <see cref="AddCohortMqttSource"/>).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets the connection, templates, shared group and limits.</param>
    /// <returns>The builder.</returns>
    public static IngestionBuilder AddMqttSource(this IngestionBuilder builder, Action<MqttSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCohortMqttSource(configure);
        return builder;
    }

    /// <summary>Adds a <see cref="MqttConfigPublisher"/> on the connection of <c>AddCohortMqttClient</c> (register that too).</summary>
    /// <param name="services">The services.</param>
    /// <param name="topicTemplate">The topic template, <c>cohort_config/{tenant}/devices</c> by default.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCohortMqttConfigPublisher(this IServiceCollection services, string topicTemplate = MqttConfigPublisher.DefaultTopicTemplate)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => new MqttConfigPublisher(sp.GetRequiredService<IMqttMessagePublisher>(), topicTemplate));
        return services;
    }
}
