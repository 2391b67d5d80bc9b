namespace Cohort.Ingestion;

/// <summary>
/// The decoders the pipeline registers by default, for use outside a pipeline too (a CLI, a test, a batch import).
/// Both are stateless and thread-safe.
/// </summary>
public static class PayloadDecoders
{
    /// <summary>JSON readings (<c>application/json</c>): one object or an array; the schema is in docs/ingestion.md.</summary>
    public static IPayloadDecoder Json { get; } = new Decoding.JsonPayloadDecoder();

    /// <summary>InfluxDB line protocol (<c>text/plain</c>, optional <c>precision=ns|us|ms|s</c>), lenient.</summary>
    public static IPayloadDecoder LineProtocol { get; } = new Decoding.LineProtocolPayloadDecoder();
}
