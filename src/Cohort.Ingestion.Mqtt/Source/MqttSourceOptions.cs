namespace Cohort.Ingestion.Mqtt;

/// <summary>Options of the MQTT ingest source: its broker connection, the topic templates it subscribes with, and limits.</summary>
public sealed class MqttSourceOptions
{
    /// <summary>Gets how the source connects. For no loss across reconnects, set a stable <see cref="MqttConnectionOptions.ClientId"/> and a <see cref="MqttConnectionOptions.SessionExpiry"/>.</summary>
    public MqttConnectionOptions Connection { get; } = new();

    /// <summary>Gets the topic templates to subscribe with; each must contain <c>{tenant}</c>.</summary>
    public IList<MqttSourceTopic> Topics { get; } = [];

    /// <summary>
    /// Gets or sets the MQTT 5 shared-subscription group: when set, the source subscribes to
    /// <c>$share/&lt;group&gt;/&lt;filter&gt;</c> so that collectors of the same group split the messages.
    /// </summary>
    public string? SharedGroup { get; set; }

    /// <summary>Gets or sets the source id the <see cref="ITenantAuthorizer"/> checks and dead letters name. Default: the connection's user name, or <c>mqtt</c>.</summary>
    public string? SourceId { get; set; }

    /// <summary>Gets or sets how many messages may be in the pipeline at once (their disk writes are grouped). Default 64.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Gets or sets the largest payload accepted; larger ones are dead-lettered whole. Default 1 MiB.</summary>
    public int MaxPayloadBytes { get; set; } = 1 << 20;
}

/// <summary>A topic template the source subscribes with, and the payload format of messages that carry no MQTT 5 content type.</summary>
public sealed class MqttSourceTopic
{
    /// <summary>Initializes a new instance of the <see cref="MqttSourceTopic"/> class.</summary>
    /// <param name="template">The template, e.g. <c>cohort/{tenant}/{device}</c> (see <see cref="MqttTopicTemplate"/>).</param>
    /// <param name="defaultContentType">The content type when a message has none. Default line protocol (<c>text/plain</c>).</param>
    public MqttSourceTopic(string template, string defaultContentType = "text/plain")
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(defaultContentType);
        Template = template;
        DefaultContentType = defaultContentType;
    }

    /// <summary>Gets the template text.</summary>
    public string Template { get; }

    /// <summary>Gets the content type of messages without one, e.g. <c>text/plain; precision=ms</c> or <c>application/json</c>.</summary>
    public string DefaultContentType { get; }
}
