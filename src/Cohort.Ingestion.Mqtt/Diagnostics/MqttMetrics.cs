using System.Diagnostics.Metrics;

namespace Cohort.Ingestion.Mqtt.Diagnostics;

/// <summary>The instruments of meter <c>Cohort.Ingestion.Mqtt</c>; names are listed in docs/mqtt.md.</summary>
internal sealed class MqttMetrics : IDisposable
{
    public const string MeterName = "Cohort.Ingestion.Mqtt";

    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _connects;
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _received;
    private readonly Counter<long> _refused;

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/>, or on a meter of its own when there is none.</summary>
    public MqttMetrics(IMeterFactory? meterFactory)
    {
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(MeterName);
        }
        else
        {
            meter = meterFactory.Create(MeterName);
        }

        _connects = meter.CreateCounter<long>("cohort.mqtt.client.connects", "{connection}", "Connections established to the broker (the first and every reconnect).");
        _published = meter.CreateCounter<long>("cohort.mqtt.client.published", "{message}", "Messages the broker acknowledged (PUBACK).");
        _publishFailures = meter.CreateCounter<long>("cohort.mqtt.client.publish_failures", "{message}", "Publishes that failed (tag transient).");
        _received = meter.CreateCounter<long>("cohort.mqtt.client.received", "{message}", "Messages received on subscriptions.");
        _refused = meter.CreateCounter<long>("cohort.mqtt.broker.refused", "{request}", "Connects, publishes and subscribes the embedded broker refused (tag action).");
    }

    public void Connected() => _connects.Add(1);

    public void Published() => _published.Add(1);

    public void PublishFailed(bool transient) => _publishFailures.Add(1, new KeyValuePair<string, object?>("transient", transient));

    public void Received() => _received.Add(1);

    public void Refused(string action) => _refused.Add(1, new KeyValuePair<string, object?>("action", action));

    public void Dispose() => _ownedMeter?.Dispose();
}
