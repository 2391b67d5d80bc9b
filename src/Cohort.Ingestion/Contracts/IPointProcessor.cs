using Cohort.Core;

namespace Cohort.Ingestion;

/// <summary>
/// A step between decoding and the durable buffer: validates, enriches or derives points. Processors run in the
/// order they were added, after the built-in tag enrichment and validation.
/// </summary>
public interface IPointProcessor
{
    /// <summary>Processes the batch of <paramref name="context"/>, replacing it or reporting rejections as needed.</summary>
    ValueTask ProcessAsync(ProcessingContext context, CancellationToken cancellationToken = default);
}

/// <summary>
/// Computes new points from a message's points before storage (e.g. a formula's result series). What it adds to
/// <c>output</c> is stored with the input.
/// </summary>
public interface IPointDeriver
{
    /// <summary>Adds derived points for <paramref name="input"/> to <paramref name="output"/>.</summary>
    ValueTask DeriveAsync(IngestMessage message, PointBatch input, PointBatch output, CancellationToken cancellationToken = default);
}

/// <summary>The batch a message decoded to, on its way through the processors.</summary>
public sealed class ProcessingContext
{
    private readonly List<Rejection> _rejections = [];
    private PointBatch _batch;

    /// <summary>Creates a context for a message and its decoded batch.</summary>
    public ProcessingContext(IngestMessage message, PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(batch);
        Message = message;
        _batch = batch;
    }

    /// <summary>The message being processed.</summary>
    public IngestMessage Message { get; }

    /// <summary>The points that will be stored; a processor may replace the batch (e.g. with a filtered copy).</summary>
    public PointBatch Batch
    {
        get => _batch;
        set => _batch = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The records rejected so far.</summary>
    public IReadOnlyList<Rejection> Rejections => _rejections;

    /// <summary>Reports a rejected record; the processor removes it from <see cref="Batch"/> itself.</summary>
    public void Reject(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        _rejections.Add(rejection);
    }
}
