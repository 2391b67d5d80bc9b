using System.Collections.Immutable;
using Cohort.Ingestion.Pipeline;

namespace Cohort.Ingestion;

/// <summary>The pipeline's health for a readiness probe or a status page: buffer fill and each sink's lag.</summary>
public sealed class IngestionHealth
{
    private readonly IngestionPipeline _pipeline;

    internal IngestionHealth(IngestionPipeline pipeline) => _pipeline = pipeline;

    /// <summary>A report of the pipeline now.</summary>
    public IngestionHealthReport Check()
    {
        var sinks = _pipeline.Runners.Select(r => r.Health()).ToImmutableArray();
        var bytes = _pipeline.BufferBytes;
        var max = _pipeline.Options.MaxBufferBytes;
        return new IngestionHealthReport(bytes, max, sinks);
    }
}

/// <summary>The health of the pipeline at one moment.</summary>
/// <param name="BufferBytes">The bytes the durable buffer holds.</param>
/// <param name="MaxBufferBytes">The limit beyond which input is refused.</param>
/// <param name="Sinks">Each sink's health.</param>
public sealed record IngestionHealthReport(long BufferBytes, long MaxBufferBytes, ImmutableArray<SinkHealth> Sinks)
{
    /// <summary>Healthy when no sink is stuck and the buffer is under 90% of its limit.</summary>
    public bool IsHealthy => !Sinks.Any(s => s.IsStuck) && BufferBytes < MaxBufferBytes * 0.9;
}

/// <summary>One sink's health.</summary>
/// <param name="Name">The sink's name.</param>
/// <param name="LagBytes">The bytes of the log the sink has not confirmed yet.</param>
/// <param name="LastSuccess">When the sink last confirmed a write, or <see langword="null"/> if never (since start).</param>
/// <param name="IsStuck">Whether the sink has had data to write for longer than <see cref="IngestionOptions.StuckAfter"/> without confirming it.</param>
/// <param name="LastError">The last write error since the last success, or <see langword="null"/>.</param>
public sealed record SinkHealth(string Name, long LagBytes, DateTimeOffset? LastSuccess, bool IsStuck, string? LastError);
