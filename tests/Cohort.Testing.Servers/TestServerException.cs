namespace Cohort.Testing.Servers;

/// <summary>
/// A test server could not be found, started or stopped. The message says why, with the tail of the server's log
/// when there is one, or the Debian package to install when a program is missing.
/// </summary>
public sealed class TestServerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TestServerException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TestServerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TestServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
