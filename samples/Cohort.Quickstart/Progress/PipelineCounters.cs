using System.Diagnostics.Metrics;

namespace Cohort.Quickstart.Progress;

/// <summary>
/// Listens to the <c>Cohort.Ingestion</c>, <c>Cohort.Ingestion.Mqtt</c> and <c>Cohort.Devices.Edge</c> meters (the same
/// instruments an OpenTelemetry exporter would export) and keeps the totals the progress line and the report show.
/// </summary>
internal sealed class PipelineCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _decoded;
    private long _acknowledged;
    private long _written;
    private long _rejectedOnArrival;
    private long _rejectedAtValidation;
    private long _rejectedBySinks;
    private long _edgeReadingsPublished;
    private long _edgeMessagesPublished;
    private long _mqttMessagesReceived;

    public PipelineCounters()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name is "Cohort.Ingestion" or "Cohort.Ingestion.Mqtt" or "Cohort.Devices.Edge" && instrument is Counter<long>)
            {
                listener.EnableMeasurementEvents(instrument, null);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Points that reached the pipeline: decoded ones plus records refused before or while decoding.</summary>
    public long Received => Interlocked.Read(ref _decoded) + Interlocked.Read(ref _rejectedOnArrival);

    /// <summary>Points on disk in the durable log and acknowledged to their sender.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Points the store confirmed.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records rejected (decode, validation or the store), each with its reason in the dead-letter file.</summary>
    public long Rejected => Interlocked.Read(ref _rejectedOnArrival) + Interlocked.Read(ref _rejectedAtValidation) + Interlocked.Read(ref _rejectedBySinks);

    /// <summary>Points acknowledged but not yet confirmed by the store: they wait in the durable log.</summary>
    public long Buffered => Acknowledged - Written - Interlocked.Read(ref _rejectedBySinks);

    /// <summary>Readings the edge agents published and the broker acknowledged.</summary>
    public long EdgeReadingsPublished => Interlocked.Read(ref _edgeReadingsPublished);

    /// <summary>MQTT messages (of up to 500 readings each) the edge agents published and the broker acknowledged.</summary>
    public long EdgeMessagesPublished => Interlocked.Read(ref _edgeMessagesPublished);

    /// <summary>
    /// MQTT messages received on subscriptions: the collector's MQTT source (the houses' connections subscribe only
    /// to their configuration topic, where the quickstart publishes nothing).
    /// </summary>
    public long MqttMessagesReceived => Interlocked.Read(ref _mqttMessagesReceived);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case "cohort.ingestion.points.received":
                Interlocked.Add(ref _decoded, value);
                break;
            case "cohort.ingestion.points.acknowledged":
                Interlocked.Add(ref _acknowledged, value);
                break;
            case "cohort.edge.readings.published":
                Interlocked.Add(ref _edgeReadingsPublished, value);
                break;
            case "cohort.edge.messages.published":
                Interlocked.Add(ref _edgeMessagesPublished, value);
                break;
            case "cohort.mqtt.client.received":
                Interlocked.Add(ref _mqttMessagesReceived, value);
                break;
            case "cohort.ingestion.points.written":
                Interlocked.Add(ref _written, value);
                break;
            case "cohort.ingestion.points.rejected":
                var stage = Stage(tags);
                if (stage?.StartsWith("sink:", StringComparison.Ordinal) == true)
                {
                    Interlocked.Add(ref _rejectedBySinks, value);
                }
                else if (stage == "validate")
                {
                    Interlocked.Add(ref _rejectedAtValidation, value);
                }
                else
                {
                    // Refused before decoding (authorization, no decoder) or undecodable: never counted as decoded.
                    Interlocked.Add(ref _rejectedOnArrival, value);
                }

                break;
        }
    }

    private static string? Stage(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "stage")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
