using System.Diagnostics.Metrics;

namespace Cohort.Ingestion.Diagnostics;

/// <summary>The instruments of meter <c>Cohort.Ingestion</c>; names are listed in docs/ingestion.md.</summary>
internal sealed class IngestionMetrics
{
    public const string MeterName = "Cohort.Ingestion";

    private readonly Counter<long> _received;
    private readonly Counter<long> _acknowledged;
    private readonly Counter<long> _written;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _corruptions;
    private readonly Histogram<double> _ackLatency;
    private long _bufferBytes;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _received = meter.CreateCounter<long>("cohort.ingestion.points.received", "{point}", "Points decoded from incoming messages.");
        _acknowledged = meter.CreateCounter<long>("cohort.ingestion.points.acknowledged", "{point}", "Points made durable and acknowledged to their sender.");
        _written = meter.CreateCounter<long>("cohort.ingestion.points.written", "{point}", "Points a sink confirmed (tag sink).");
        _rejected = meter.CreateCounter<long>("cohort.ingestion.points.rejected", "{record}", "Records rejected and dead-lettered (tag stage).");
        _retried = meter.CreateCounter<long>("cohort.ingestion.points.retried", "{point}", "Points of sink writes that failed and are retried (tag sink).");
        _corruptions = meter.CreateCounter<long>("cohort.ingestion.buffer.corruptions", "By", "Bytes cut from a torn or corrupt buffer tail at recovery.");
        _ackLatency = meter.CreateHistogram<double>("cohort.ingestion.ack.latency", "ms", "Time from a message's arrival at the pipeline to its acknowledgement.");
        meter.CreateObservableGauge("cohort.ingestion.buffer.bytes", () => Interlocked.Read(ref _bufferBytes), "By", "Bytes the durable buffer holds on disk.");
    }

    public void Received(int points) => _received.Add(points);

    public void Acknowledged(int points) => _acknowledged.Add(points);

    public void Written(int points, string sink) => _written.Add(points, new KeyValuePair<string, object?>("sink", sink));

    public void Rejected(int records, string stage) => _rejected.Add(records, new KeyValuePair<string, object?>("stage", stage));

    public void Retried(int points, string sink) => _retried.Add(points, new KeyValuePair<string, object?>("sink", sink));

    public void Corruption(long bytes) => _corruptions.Add(bytes);

    public void AckLatency(TimeSpan elapsed) => _ackLatency.Record(elapsed.TotalMilliseconds);

    public void SetBufferBytes(long bytes) => Interlocked.Exchange(ref _bufferBytes, bytes);
}
