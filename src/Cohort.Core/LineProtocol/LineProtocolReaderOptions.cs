namespace Cohort.Core.LineProtocol;

/// <summary>How a <see cref="LineProtocolReader"/> reads line protocol.</summary>
public sealed class LineProtocolReaderOptions
{
    /// <summary>The unit of the timestamps in the input; they are multiplied to nanoseconds. Default: nanoseconds.</summary>
    public TimestampPrecision Precision { get; init; } = TimestampPrecision.Nanoseconds;

    /// <summary>
    /// When <see langword="false"/> (the default) the first bad line throws a <see cref="LineProtocolException"/>;
    /// when <see langword="true"/> bad lines are skipped and reported as <see cref="Rejection"/>s in the result, and
    /// every good line is kept.
    /// </summary>
    public bool Lenient { get; init; }

    /// <summary>
    /// The clock that stamps lines without a timestamp: read once per call, at the first such line, so every line
    /// of one call without a timestamp gets the same instant. Default: <see cref="TimeProvider.System"/>.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The longest line accepted, in bytes; a longer line is a bad line. Default: 1 MiB.</summary>
    public int MaxLineLength { get; init; } = 1 << 20;

    /// <summary>The longest <see cref="Rejection.Record"/> kept for a bad line, in characters. Default: 256.</summary>
    public int MaxRecordLength { get; init; } = 256;

    /// <summary>
    /// Whether <c>\n</c> inside a string field value is read as a line feed (the Cohort extension written by
    /// <see cref="LineProtocolWriterOptions.EscapeLineFeeds"/>). Default: false, as in InfluxDB, where a backslash
    /// before anything but <c>"</c> or <c>\</c> is kept as it is.
    /// </summary>
    public bool UnescapeLineFeeds { get; init; }
}
