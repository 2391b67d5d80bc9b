using Cohort.Core;
using Cohort.Ingestion.Mqtt.Client;

namespace Cohort.Ingestion.Mqtt;

/// <summary>
/// Publishes configuration updates to a tenant's devices, on SGMP's <c>&lt;prefix&gt;_config/&lt;house&gt;/devices</c>
/// layout by default (<c>cohort_config/{tenant}/devices</c>). Over Cohort's own connection the message is retained,
/// so a device that connects later still gets the latest configuration. Thread-safe.
/// </summary>
public sealed class MqttConfigPublisher
{
    /// <summary>The default topic template, <c>cohort_config/{tenant}/devices</c>.</summary>
    public const string DefaultTopicTemplate = "cohort_config/{tenant}/devices";

    private readonly IMqttMessagePublisher _publisher;
    private readonly MqttTopicTemplate _template;

    /// <summary>Initializes a new instance of the <see cref="MqttConfigPublisher"/> class.</summary>
    /// <param name="publisher">The connection to publish on (e.g. from <c>AddCohortMqttClient</c>).</param>
    /// <param name="topicTemplate">The topic template; its only variable must be <c>{tenant}</c>.</param>
    /// <exception cref="FormatException">The template is malformed, or has variables other than <c>{tenant}</c>.</exception>
    public MqttConfigPublisher(IMqttMessagePublisher publisher, string topicTemplate = DefaultTopicTemplate)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        _publisher = publisher;
        _template = MqttTopicTemplate.Parse(topicTemplate);
        if (_template.Variables is not [MqttTopicTemplate.WellKnownVariables.Tenant])
        {
            throw new FormatException($"The config topic template '{topicTemplate}' must have exactly one variable, {{tenant}}.");
        }
    }

    /// <summary>The topic a tenant's devices read their configuration from.</summary>
    /// <param name="tenant">The tenant (house).</param>
    /// <returns>The topic.</returns>
    public string TopicFor(Tenant tenant) =>
        _template.Format(new Dictionary<string, string>(StringComparer.Ordinal) { [MqttTopicTemplate.WellKnownVariables.Tenant] = tenant.Id });

    /// <summary>Publishes a configuration to a tenant's devices and completes when the broker acknowledged it.</summary>
    /// <param name="tenant">The tenant (house) whose devices get it.</param>
    /// <param name="configuration">The configuration document.</param>
    /// <param name="contentType">Its content type. Default <c>application/json</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the broker has it.</returns>
    /// <exception cref="MqttDeliveryException">The broker is unreachable or refused it.</exception>
    public ValueTask PublishAsync(Tenant tenant, ReadOnlyMemory<byte> configuration, string contentType = "application/json", CancellationToken cancellationToken = default)
    {
        var topic = TopicFor(tenant);
        return _publisher is MqttConnection connection
            ? connection.PublishAsync(topic, configuration, contentType, retain: true, cancellationToken)
            : _publisher.PublishAsync(topic, configuration, contentType, cancellationToken);
    }
}
