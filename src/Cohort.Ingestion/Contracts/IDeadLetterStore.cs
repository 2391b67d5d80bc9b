namespace Cohort.Ingestion;

/// <summary>Keeps the records the pipeline could not store, with why, for a person to inspect and replay.</summary>
public interface IDeadLetterStore
{
    /// <summary>Stores entries; completes when they are durable.</summary>
    ValueTask AddAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken = default);
}

/// <summary>A record the pipeline could not store.</summary>
/// <param name="Time">When it was refused.</param>
/// <param name="Tenant">The tenant id the message named.</param>
/// <param name="SourceId">The source that sent it.</param>
/// <param name="Stage">Where it was refused: <c>authorize</c>, <c>decode</c>, <c>validate</c>, <c>process</c> or <c>sink:&lt;name&gt;</c>.</param>
/// <param name="Reason">Why, in words a person can act on.</param>
public sealed record DeadLetter(DateTimeOffset Time, string Tenant, string SourceId, string Stage, string Reason)
{
    /// <summary>The 1-based line of the record in its payload, when known.</summary>
    public long? Line { get; init; }

    /// <summary>The 1-based column within the line, when known.</summary>
    public int? Column { get; init; }

    /// <summary>The field or JSON path at fault, when known.</summary>
    public string? Field { get; init; }

    /// <summary>The offending record as text (possibly truncated).</summary>
    public string? Record { get; init; }
}
