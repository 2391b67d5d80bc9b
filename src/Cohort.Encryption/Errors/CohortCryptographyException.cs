namespace Cohort.Encryption;

/// <summary>
/// The base of every exception Cohort.Encryption throws for a whole operation that cannot proceed. It mirrors
/// <c>Cohort.Core.CohortException</c> (same <see cref="IsTransient"/> contract) because this package must not
/// reference Cohort.Core. Messages never contain key material.
/// </summary>
public class CohortCryptographyException : Exception
{
    /// <summary>Creates an exception.</summary>
    public CohortCryptographyException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public CohortCryptographyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public CohortCryptographyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether the same operation may succeed if tried again (a key store that was unreachable).</summary>
    public virtual bool IsTransient => false;
}
