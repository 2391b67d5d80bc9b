using Cohort.Core;
using Cohort.Core.LineProtocol;

namespace Cohort.Ingestion.Decoding;

/// <summary>
/// Decodes InfluxDB line protocol (content types <c>text/plain</c> and <c>application/x-influxdb-line-protocol</c>,
/// with an optional <c>precision=ns|us|ms|s</c> parameter) with Cohort.Core's reader in lenient mode: each bad line is
/// a rejection with its line and column, every good line lands. Lines without a timestamp take the message's
/// <see cref="IngestMessage.ReceivedAt"/>.
/// </summary>
internal sealed class LineProtocolPayloadDecoder : IPayloadDecoder
{
    public bool CanDecode(string contentType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var mediaType = ContentTypes.MediaType(contentType);
        return mediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase) ||
               mediaType.Equals("application/x-influxdb-line-protocol", StringComparison.OrdinalIgnoreCase);
    }

    public ValueTask<DecodeResult> DecodeAsync(IngestMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var precision = ContentTypes.Precision(message.ContentType, out var problem);
        var batch = new PointBatch();
        if (problem is not null)
        {
            return ValueTask.FromResult(new DecodeResult(batch, [new Rejection(problem) { Field = "content-type" }]));
        }

        // A reader per message (a few fields): lines without a timestamp take the time the message was received.
        var reader = new LineProtocolReader(new LineProtocolReaderOptions
        {
            Lenient = true,
            Precision = precision,
            TimeProvider = new ReceivedAtClock(message.ReceivedAt),
        });
        var result = reader.Read(message.Payload.Span, batch);
        return ValueTask.FromResult(new DecodeResult(batch, result.Rejections));
    }

    private sealed class ReceivedAtClock(DateTimeOffset receivedAt) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => receivedAt;
    }
}
