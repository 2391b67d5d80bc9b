using Microsoft.Extensions.Logging;

namespace Cohort.Quickstart.Collector;

/// <summary>
/// Completes <see cref="Subscribed"/> when the collector's MQTT source logs that it has subscribed (event 13 of
/// <c>Cohort.Ingestion.Mqtt</c>). The quickstart starts the simulated clock only then: the embedded broker keeps no
/// messages for a subscriber it has not seen yet, so readings published earlier would never reach the collector.
/// </summary>
internal sealed class SubscriptionSignal : ILoggerProvider, ILogger
{
    /// <summary>The log category of the MQTT ingest source.</summary>
    public const string Category = "Cohort.Ingestion.Mqtt.Source.MqttIngestSource";

    private const int SubscribedEventId = 13;

    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the source has subscribed to its topics.</summary>
    public Task Subscribed => _subscribed.Task;

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == SubscribedEventId)
        {
            _subscribed.TrySetResult();
        }
    }

    public void Dispose()
    {
    }
}
