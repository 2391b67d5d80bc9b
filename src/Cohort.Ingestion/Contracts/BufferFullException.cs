using Cohort.Core;

namespace Cohort.Ingestion;

/// <summary>
/// The durable buffer has reached its size limit (<see cref="IngestionOptions.MaxBufferBytes"/>) because sinks are
/// behind; the message was refused whole, nothing was dropped. Retry once sinks catch up.
/// </summary>
public sealed class BufferFullException : CohortException
{
    /// <summary>Creates the exception.</summary>
    public BufferFullException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public BufferFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BufferFullException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
