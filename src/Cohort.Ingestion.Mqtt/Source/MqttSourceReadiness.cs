namespace Cohort.Ingestion.Mqtt;

/// <summary>
/// Tells when the MQTT ingest source has subscribed to all its topic filters, so messages published from then on reach
/// it. A host waits on it before it lets devices publish to a broker that keeps nothing for unknown subscribers (the
/// embedded broker, or any broker with a clean session), and a health check reports it. Registered by
/// <c>AddCohortMqttSource</c>; resolve it from the container.
/// </summary>
public sealed class MqttSourceReadiness
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal MqttSourceReadiness()
    {
    }

    /// <summary>Whether the source has subscribed to every topic filter.</summary>
    public bool IsSubscribed => _subscribed.Task.IsCompleted;

    /// <summary>Completes once the source has subscribed to every topic filter (at once if it already has).</summary>
    /// <param name="cancellationToken">Stops waiting (the returned task is then cancelled).</param>
    public Task WhenSubscribedAsync(CancellationToken cancellationToken = default) => _subscribed.Task.WaitAsync(cancellationToken);

    internal void MarkSubscribed() => _subscribed.TrySetResult();
}
