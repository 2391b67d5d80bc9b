using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Aggregation;

/// <summary>
/// Measure definitions that cannot be used: each problem names the bad property as a JSON path
/// (<c>definitions[2].aggregationPeriod</c>) in <see cref="Rejection.Field"/>.
/// </summary>
public sealed class MeasureDefinitionException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public MeasureDefinitionException()
        : this([new Rejection("The measure definitions are invalid.")])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MeasureDefinitionException(string message)
        : this([new Rejection(message)])
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MeasureDefinitionException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Errors = [new Rejection(message)];
    }

    /// <summary>Creates the exception from the problems found.</summary>
    public MeasureDefinitionException(IEnumerable<Rejection> errors)
        : base(Describe(errors))
    {
        Errors = [.. errors];
    }

    /// <summary>Every problem found, each naming its property in <see cref="Rejection.Field"/>.</summary>
    public ImmutableArray<Rejection> Errors { get; }

    /// <summary>The JSON path of the first bad property, e.g. <c>definitions[0].aggregationThreshold</c>.</summary>
    public string? Property => Errors.IsDefaultOrEmpty ? null : Errors[0].Field;

    private static string Describe(IEnumerable<Rejection> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return "Invalid measure definitions: " + string.Join("; ", errors.Select(static e => e.Field is null ? e.Reason : e.Field + ": " + e.Reason));
    }
}
