using Microsoft.Extensions.Logging;

namespace Cohort.Ingestion.Mqtt.Diagnostics;

/// <summary>The package's log lines (source-generated). Passwords never reach a log line.</summary>
internal static partial class MqttLog
{
    [LoggerMessage(1, LogLevel.Information, "Connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {SessionPresent}); {Subscriptions} subscriptions renewed.")]
    public static partial void Connected(ILogger logger, string host, int port, string clientId, bool sessionPresent, int subscriptions);

    [LoggerMessage(2, LogLevel.Warning, "Lost the connection to MQTT broker {Host}:{Port}: {Reason}.")]
    public static partial void Disconnected(ILogger logger, Exception? exception, string host, int port, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Cannot connect to MQTT broker {Host}:{Port} (attempt {Attempt}); retrying in {Delay}.")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string host, int port, int attempt, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Error, "The handler of MQTT subscription {Filter} failed on topic {Topic}; the message is acknowledged with an error code.")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string filter, string topic);

    [LoggerMessage(5, LogLevel.Debug, "Could not acknowledge an MQTT message on {Topic}; the broker will redeliver it to a resumed session.")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(6, LogLevel.Debug, "Dropped an MQTT message on {Topic}: no subscription of this client matches it.")]
    public static partial void Unrouted(ILogger logger, string topic);

    [LoggerMessage(7, LogLevel.Warning, "Embedded MQTT broker refused {Action} by client {ClientId} (user {User}) on {Topic}: {Reason}")]
    public static partial void BrokerRefused(ILogger logger, string action, string clientId, string? user, string topic, string reason);

    [LoggerMessage(8, LogLevel.Information, "Embedded MQTT broker listening on {Address}:{Port}.")]
    public static partial void BrokerStarted(ILogger logger, string address, int port);
}
