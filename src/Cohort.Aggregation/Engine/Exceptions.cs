using Cohort.Core;

namespace Cohort.Aggregation;

/// <summary>A query names a measure no definition has (HTTP 404 in a service).</summary>
public sealed class UnknownMeasureException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public UnknownMeasureException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public UnknownMeasureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public UnknownMeasureException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The caller's organisation may not read this measure (HTTP 403 in a service).</summary>
public sealed class MeasureAccessDeniedException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public MeasureAccessDeniedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MeasureAccessDeniedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MeasureAccessDeniedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The measure's differential-privacy budget is spent: releasing more would exceed the total epsilon it may lose
/// (HTTP 429 or 403 in a service; retrying does not help).
/// </summary>
public sealed class PrivacyBudgetExhaustedException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public PrivacyBudgetExhaustedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PrivacyBudgetExhaustedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PrivacyBudgetExhaustedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
