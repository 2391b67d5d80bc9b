namespace Cohort.Core.LineProtocol;

/// <summary>
/// A line of InfluxDB line protocol that cannot be read, thrown by a strict <see cref="LineProtocolReader"/> at the
/// first bad line. The message says what and where: <c>line 3, column 17: expected '=' after field key "temp"</c>.
/// </summary>
/// <remarks>
/// <see cref="Column"/> counts characters (UTF-16 code units of the line decoded as UTF-8), not bytes, so it matches
/// what an editor shows for text in the Basic Multilingual Plane.
/// </remarks>
public sealed class LineProtocolException : CohortException
{
    /// <summary>Creates an exception without a position (line and column 0).</summary>
    public LineProtocolException()
        : this("the input is not valid line protocol")
    {
    }

    /// <summary>Creates an exception with a reason and no position (line and column 0).</summary>
    public LineProtocolException(string message)
        : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates an exception with a reason, no position, and its cause.</summary>
    public LineProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Creates an exception for a bad line.</summary>
    /// <param name="line">The 1-based line number in the input.</param>
    /// <param name="column">The 1-based column (in characters) where the problem was found.</param>
    /// <param name="reason">What is wrong, e.g. <c>expected '=' after field key "temp"</c>.</param>
    public LineProtocolException(long line, int column, string reason)
        : base(FormattableString.Invariant($"line {line}, column {column}: {reason}"))
    {
        ArgumentNullException.ThrowIfNull(reason);
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The 1-based line number of the bad line; 0 when unknown.</summary>
    public long Line { get; }

    /// <summary>The 1-based column (in characters) of the problem; 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}
