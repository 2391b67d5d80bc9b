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
}
