using Cohort.Core;

namespace Cohort.Ingestion.Mqtt;

/// <summary>Publishes messages to the broker over one reconnecting MQTT 5 connection. Thread-safe.</summary>
public interface IMqttMessagePublisher
{
    /// <summary>Gets a value indicating whether the connection is up right now.</summary>
    bool IsConnected { get; }

    /// <summary>Publishes one message at QoS 1 and completes when the broker acknowledged it (PUBACK).</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="contentType">The MQTT 5 content type, e.g. <c>text/plain; format=line-protocol</c> or <c>application/json</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the broker has the message.</returns>
    /// <exception cref="MqttDeliveryException">The broker is unreachable or refused the message; see <see cref="MqttDeliveryException.IsTransient"/>.</exception>
    ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, string contentType, CancellationToken cancellationToken = default);
}

/// <summary>Subscribes to topics over one reconnecting MQTT 5 connection; subscriptions are renewed after every reconnect.</summary>
public interface IMqttTopicSubscriber
{
    /// <summary>Subscribes at QoS 1 and calls <paramref name="handler"/> for every message; the message is acknowledged after the handler returns.</summary>
    /// <param name="topicFilter">The topic filter (may contain <c>+</c> and <c>#</c>, or be a <c>$share/group/…</c> shared subscription).</param>
    /// <param name="handler">Called for each message, one at a time per subscription.</param>
    /// <param name="cancellationToken">Cancels the subscribe call.</param>
    /// <returns>A handle that unsubscribes when disposed.</returns>
    ValueTask<IAsyncDisposable> SubscribeAsync(string topicFilter, Func<MqttIncomingMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default);
}

/// <summary>A message received on a subscription.</summary>
/// <param name="Topic">The topic it arrived on.</param>
/// <param name="Payload">The payload; valid only during the handler call.</param>
/// <param name="ContentType">The MQTT 5 content type, when the sender set one.</param>
public sealed record MqttIncomingMessage(string Topic, ReadOnlyMemory<byte> Payload, string? ContentType);

/// <summary>A message could not be delivered to or from the broker.</summary>
public sealed class MqttDeliveryException : CohortException
{
    /// <summary>Initializes a new instance of the <see cref="MqttDeliveryException"/> class.</summary>
    public MqttDeliveryException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MqttDeliveryException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    public MqttDeliveryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MqttDeliveryException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public MqttDeliveryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MqttDeliveryException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="isTransient">Whether a retry may succeed (the broker was unreachable) or not (the broker refused the message, e.g. not authorized).</param>
    /// <param name="innerException">The cause.</param>
    public MqttDeliveryException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        _isTransient = isTransient;
    }

    private readonly bool _isTransient = true;

    /// <inheritdoc/>
    public override bool IsTransient => _isTransient;
}
