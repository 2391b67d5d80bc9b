using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Ingestion;

/// <summary>
/// Turns a message payload of some content type into points. Decoders are pluggable: JSON ships here, line protocol
/// and encrypted uploads come from other packages through small adapters a host registers.
/// </summary>
/// <remarks>Bad records are returned as rejections (with a position or JSON path) while the good ones are decoded.</remarks>
public interface IPayloadDecoder
{
    /// <summary>Whether this decoder reads <paramref name="contentType"/> (media type; parameters may follow a <c>;</c>).</summary>
    bool CanDecode(string contentType);

    /// <summary>Decodes the payload of a message.</summary>
    ValueTask<DecodeResult> DecodeAsync(IngestMessage message, CancellationToken cancellationToken = default);
}

/// <summary>The points decoded from a payload and the records that could not be.</summary>
/// <param name="Batch">The decoded points.</param>
/// <param name="Rejections">The records refused, each with its position and reason.</param>
public sealed record DecodeResult(PointBatch Batch, ImmutableArray<Rejection> Rejections);
