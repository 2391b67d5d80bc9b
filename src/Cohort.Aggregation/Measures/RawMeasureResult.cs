using System.Diagnostics.CodeAnalysis;
using Cohort.Core;

namespace Cohort.Aggregation;

/// <summary>The outcome of reading or validating one raw measure: the measure, or a typed error and its rejection.</summary>
public readonly record struct RawMeasureResult
{
    private RawMeasureResult(RawMeasure? measure, RawMeasureError error, Rejection? rejection, long? line)
    {
        Measure = measure;
        Error = error;
        Rejection = rejection;
        Line = line;
    }

    /// <summary>The valid measure, or <see langword="null"/> when it was refused.</summary>
    public RawMeasure? Measure { get; }

    /// <summary>Why it was refused; <see cref="RawMeasureError.None"/> when valid.</summary>
    public RawMeasureError Error { get; }

    /// <summary>The rejection (reason, property in <see cref="Rejection.Field"/>, line) when refused.</summary>
    public Rejection? Rejection { get; }

    /// <summary>The 1-based line the measure came from, when read from JSON lines.</summary>
    public long? Line { get; }

    /// <summary>Whether the measure is valid.</summary>
    [MemberNotNullWhen(true, nameof(Measure))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsValid => Measure is not null;

    /// <summary>A valid measure.</summary>
    public static RawMeasureResult Valid(RawMeasure measure, long? line = null)
    {
        ArgumentNullException.ThrowIfNull(measure);
        return new(measure, RawMeasureError.None, null, line);
    }

    /// <summary>A refused measure.</summary>
    /// <param name="error">The kind of error; not <see cref="RawMeasureError.None"/>.</param>
    /// <param name="property">The property at fault, or <see langword="null"/>.</param>
    /// <param name="reason">Why, in words a person can act on.</param>
    /// <param name="line">The 1-based line, when read from text.</param>
    public static RawMeasureResult Invalid(RawMeasureError error, string? property, string reason, long? line = null)
    {
        if (error == RawMeasureError.None)
        {
            throw new ArgumentOutOfRangeException(nameof(error), error, "An invalid result needs an error.");
        }

        return new(null, error, new Rejection(reason) { Field = property, Line = line }, line);
    }

    internal RawMeasureResult AtLine(long line) => Measure is not null
        ? new(Measure, Error, null, line)
        : new(null, Error, Rejection! with { Line = line }, line);
}
