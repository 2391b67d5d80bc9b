using System.Collections.Immutable;

namespace Cohort.Core;

/// <summary>The outcome of a write: how many field values landed and which records were rejected, with why.</summary>
/// <param name="Written">The number of field values (batch rows) written.</param>
/// <param name="Rejections">The records refused as invalid; empty when everything landed.</param>
public sealed record WriteResult(int Written, ImmutableArray<Rejection> Rejections)
{
    /// <summary>A result where every one of <paramref name="written"/> values landed.</summary>
    public static WriteResult Success(int written) => new(written, []);

    /// <summary>Whether nothing was rejected.</summary>
    public bool IsComplete => Rejections.IsDefaultOrEmpty;
}

/// <summary>
/// A record that could not be accepted, with where it was and why. Batches report rejections and keep going;
/// exceptions are for whole operations that cannot proceed.
/// </summary>
/// <param name="Reason">Why the record was refused, in words a person can act on.</param>
public sealed record Rejection(string Reason)
{
    /// <summary>The 1-based line of the record in its input, when it came from text.</summary>
    public long? Line { get; init; }

    /// <summary>The 1-based column of the problem within its line.</summary>
    public int? Column { get; init; }

    /// <summary>The field (or property, or JSON path) at fault, when one is.</summary>
    public string? Field { get; init; }

    /// <summary>The index of the record in its batch (a row of a <see cref="PointBatch"/>), when known.</summary>
    public int? Index { get; init; }

    /// <summary>The offending record as text, for a dead-letter store; may be truncated.</summary>
    public string? Record { get; init; }

    /// <summary>
    /// <c>line:column: reason</c> where the position in text is known, <c>field: reason</c> where only the field (or
    /// JSON path) is, else the reason.
    /// </summary>
    public override string ToString() => (Line, Column, Field) switch
    {
        ({ } line, { } column, _) => $"{line}:{column}: {Reason}",
        ({ } line, null, _) => $"{line}: {Reason}",
        (null, _, { } field) => $"{field}: {Reason}",
        _ => Reason,
    };
}
