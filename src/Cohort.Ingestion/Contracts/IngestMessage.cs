using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Ingestion;

/// <summary>
/// One message handed to the pipeline by a source: whose data it is, who sent it, how its payload is encoded and
/// the payload bytes. The pipeline decodes it with the <see cref="IPayloadDecoder"/> that accepts its content type.
/// </summary>
/// <param name="Tenant">The tenant the data belongs to; the source must be allowed to write it.</param>
/// <param name="SourceId">The sending source's identity (a credential, a device or client id); checked by the <see cref="ITenantAuthorizer"/>.</param>
/// <param name="ContentType">The payload's media type, e.g. <c>application/json</c> or <c>text/plain; precision=ms</c>.</param>
/// <param name="Payload">The payload bytes. The pipeline does not keep them after the message is acknowledged.</param>
/// <param name="ReceivedAt">When the source received the message; readings without a timestamp take this time.</param>
public sealed record IngestMessage(Tenant Tenant, string SourceId, string ContentType, ReadOnlyMemory<byte> Payload, DateTimeOffset ReceivedAt)
{
    /// <summary>The topic (MQTT) or path (HTTP) the message arrived on, when there is one.</summary>
    public string? Topic { get; init; }

    /// <summary>Other facts about the message (e.g. <c>house</c>, <c>device</c> from the topic) that processors may turn into tags.</summary>
    public ImmutableDictionary<string, string> Metadata { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>The answer to a message: how many points were made durable and which records were rejected.</summary>
/// <param name="Accepted">The points written to the durable buffer; they reach every sink even across a crash.</param>
/// <param name="Rejections">The records refused (by decoding, validation or authorization); each went to the dead-letter store.</param>
public sealed record IngestAck(int Accepted, ImmutableArray<Rejection> Rejections)
{
    /// <summary>The number of records rejected.</summary>
    public int Rejected => Rejections.IsDefault ? 0 : Rejections.Length;

    /// <summary>
    /// Whether the whole message was refused (the source may not write this tenant, or no decoder knows the content
    /// type). Sending it again will not help; the refusal is in the dead-letter store.
    /// </summary>
    public bool IsRefused { get; init; }
}

/// <summary>The entry point of the pipeline: sources (MQTT, HTTP uploads, files) hand messages here.</summary>
public interface IIngestor
{
    /// <summary>
    /// Decodes, checks and makes a message durable, completing only when its accepted points are on disk (so a source
    /// may acknowledge the sender). Bad records are rejections in the answer, never exceptions.
    /// </summary>
    /// <exception cref="BufferFullException">The durable buffer is full; nothing of the message was kept; retry later.</exception>
    ValueTask<IngestAck> IngestAsync(IngestMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// A producer of messages run by the ingestion host (an MQTT subscriber, a folder watcher): it pushes each message
/// into the ingestor and acknowledges the sender after the returned task completes.
/// </summary>
public interface IIngestSource
{
    /// <summary>A stable name for logs.</summary>
    string Name { get; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, calling <see cref="IIngestor.IngestAsync"/> for each message.</summary>
    Task RunAsync(IIngestor ingestor, CancellationToken cancellationToken = default);
}
