namespace Cohort.Core.LineProtocol;

/// <summary>How a <see cref="LineProtocolWriter"/> writes line protocol.</summary>
public sealed class LineProtocolWriterOptions
{
    /// <summary>
    /// The unit of the timestamps written; nanoseconds are divided down (rounding toward negative infinity, so a
    /// written instant is never later than the point's). Default: nanoseconds.
    /// </summary>
    public TimestampPrecision Precision { get; init; } = TimestampPrecision.Nanoseconds;

    /// <summary>
    /// Whether to write timestamps. Without them the receiver stamps each point with its own clock. Default: true.
    /// </summary>
    public bool IncludeTimestamps { get; init; } = true;

    /// <summary>
    /// Whether a line feed in a string field value is written as the two characters <c>\n</c> (a Cohort extension,
    /// read back by <see cref="LineProtocolReaderOptions.UnescapeLineFeeds"/>; the portability archive uses it).
    /// Default: false, and such a value is rejected, since standard line protocol cannot carry it.
    /// </summary>
    public bool EscapeLineFeeds { get; init; }
}
