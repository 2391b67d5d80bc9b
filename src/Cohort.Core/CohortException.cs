namespace Cohort.Core;

/// <summary>
/// The base of every exception Cohort throws for a whole operation that cannot proceed. Callers retry when
/// <see cref="IsTransient"/> is true. Bad records in a batch are never exceptions: they are rejections.
/// </summary>
public class CohortException : Exception
{
    /// <summary>Creates an exception.</summary>
    public CohortException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public CohortException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public CohortException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether the same operation may succeed if tried again (a server down, a timeout).</summary>
    public virtual bool IsTransient => false;
}

/// <summary>A store or broker that could not be reached or went away mid-operation; a retry may succeed.</summary>
public sealed class StoreUnavailableException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StoreUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
