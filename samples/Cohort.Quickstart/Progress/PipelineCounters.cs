using System.Diagnostics.Metrics;

namespace Cohort.Quickstart.Progress;

/// <summary>
/// Listens to the <c>Cohort.Ingestion</c> meter (the same instruments an OpenTelemetry exporter would export) and
/// keeps the totals the progress line and the report show.
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

    public PipelineCounters()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Cohort.Ingestion" && instrument is Counter<long>)
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
