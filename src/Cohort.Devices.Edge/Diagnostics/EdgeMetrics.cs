using System.Diagnostics.Metrics;

namespace Cohort.Devices.Edge.Diagnostics;

/// <summary>The instruments of meter <c>Cohort.Devices.Edge</c>; listed in docs/devices.md.</summary>
internal sealed class EdgeMetrics : IDisposable
{
    public const string MeterName = "Cohort.Devices.Edge";

    private readonly Counter<long> _buffered;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _published;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _configUpdates;
    private readonly Meter? _ownedMeter;

    /// <summary>Creates the instruments on the factory's meter, or on a meter of its own (disposed with it) when there is no factory.</summary>
    public EdgeMetrics(IMeterFactory? meterFactory, Func<long> backlogBytes)
    {
        var meter = meterFactory?.Create(MeterName) ?? (_ownedMeter = new Meter(MeterName));
        _buffered = meter.CreateCounter<long>("cohort.edge.readings.buffered", "{reading}", "Readings stored in the durable log.");
        _dropped = meter.CreateCounter<long>("cohort.edge.readings.dropped", "{reading}", "Readings not stored, by reason (buffer_full, no_fields, unwritable).");
        _published = meter.CreateCounter<long>("cohort.edge.readings.published", "{reading}", "Readings the broker acknowledged.");
        _messages = meter.CreateCounter<long>("cohort.edge.messages.published", "{message}", "MQTT messages the broker acknowledged.");
        _publishFailures = meter.CreateCounter<long>("cohort.edge.publish.failures", "{attempt}", "Failed publish attempts, by transient (true or false).");
        _configUpdates = meter.CreateCounter<long>("cohort.edge.config.updates", "{update}", "Configurations received, by outcome (applied, unchanged, rejected, failed).");
        meter.CreateObservableGauge("cohort.edge.backlog.bytes", backlogBytes, "By", "Bytes stored and not yet acknowledged by the broker.");
    }

    public void Dispose() => _ownedMeter?.Dispose();

    public void Buffered() => _buffered.Add(1);

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Published(int readings)
    {
        _published.Add(readings);
        _messages.Add(1);
    }

    public void PublishFailed(bool transient) => _publishFailures.Add(1, new KeyValuePair<string, object?>("transient", transient));

    public void ConfigUpdate(string outcome) => _configUpdates.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
