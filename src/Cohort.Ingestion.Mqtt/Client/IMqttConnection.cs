using Cohort.Ingestion.Mqtt.Client;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Ingestion.Mqtt;

/// <summary>
/// One reconnecting MQTT 5 connection that publishes and subscribes. It connects on first use (or on
/// <see cref="ConnectAsync"/>), reconnects with backoff and jitter after every drop, and renews its subscriptions
/// after each reconnect. Thread-safe; dispose it to disconnect.
/// </summary>
public interface IMqttConnection : IMqttMessagePublisher, IMqttTopicSubscriber, IAsyncDisposable
{
    /// <summary>Starts connecting (if not started) and waits until the connection is up.</summary>
    /// <param name="cancellationToken">Cancels the wait (the connection keeps trying).</param>
    /// <returns>A task that completes once connected.</returns>
    /// <exception cref="MqttDeliveryException">The broker was not reachable within <see cref="MqttConnectionOptions.ConnectTimeout"/> (transient).</exception>
    ValueTask ConnectAsync(CancellationToken cancellationToken = default);
}

/// <summary>Creates <see cref="IMqttConnection"/>s without dependency injection (DI hosts use <c>AddCohortMqttClient</c>).</summary>
public static class MqttConnectionFactory
{
    /// <summary>Creates a connection; it connects on first use.</summary>
    /// <param name="options">How to connect; validated now.</param>
    /// <param name="loggerFactory">Where log lines go; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for timeouts and backoff; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The connection; dispose it to disconnect.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; the message names each property at fault.</exception>
    public static IMqttConnection Create(MqttConnectionOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        MqttConnectionOptionsValidator.ThrowIfInvalid(options, nameof(MqttConnectionOptions));
        return new MqttConnection(
            options,
            timeProvider ?? TimeProvider.System,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MqttConnection>(),
            new MqttMetrics(null),
            ownsMetrics: true);
    }
}
