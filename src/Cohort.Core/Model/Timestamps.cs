namespace Cohort.Core;

/// <summary>The unit of the timestamps in line protocol and on the wire. Cohort stores nanoseconds.</summary>
public enum TimestampPrecision
{
    /// <summary>Nanoseconds (the default).</summary>
    Nanoseconds = 0,

    /// <summary>Microseconds.</summary>
    Microseconds = 1,

    /// <summary>Milliseconds.</summary>
    Milliseconds = 2,

    /// <summary>Seconds.</summary>
    Seconds = 3,
}

/// <summary>Conversions between Unix nanoseconds, other precisions and <see cref="DateTimeOffset"/>.</summary>
public static class Timestamps
{
    /// <summary>Nanoseconds in one unit of the precision.</summary>
    public static long NanosecondsPer(TimestampPrecision precision) => precision switch
    {
        TimestampPrecision.Nanoseconds => 1,
        TimestampPrecision.Microseconds => 1_000,
        TimestampPrecision.Milliseconds => 1_000_000,
        TimestampPrecision.Seconds => 1_000_000_000,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    /// <summary>
    /// Reads a precision from its short name as InfluxDB's HTTP API writes it: <c>ns</c>, <c>us</c>, <c>ms</c> or
    /// <c>s</c> (case-sensitive).
    /// </summary>
    public static bool TryParsePrecision(string? name, out TimestampPrecision precision)
    {
        switch (name)
        {
            case "ns": precision = TimestampPrecision.Nanoseconds; return true;
            case "us": precision = TimestampPrecision.Microseconds; return true;
            case "ms": precision = TimestampPrecision.Milliseconds; return true;
            case "s": precision = TimestampPrecision.Seconds; return true;
            default: precision = TimestampPrecision.Nanoseconds; return false;
        }
    }

    /// <summary>The short name of a precision: <c>ns</c>, <c>us</c>, <c>ms</c> or <c>s</c>.</summary>
    public static string PrecisionName(TimestampPrecision precision) => precision switch
    {
        TimestampPrecision.Nanoseconds => "ns",
        TimestampPrecision.Microseconds => "us",
        TimestampPrecision.Milliseconds => "ms",
        TimestampPrecision.Seconds => "s",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    /// <summary>Unix nanoseconds of an instant (100 ns resolution, as <see cref="DateTimeOffset"/> has).</summary>
    public static long FromDateTimeOffset(DateTimeOffset value) =>
        checked((value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100);

    /// <summary>The instant of Unix nanoseconds, truncated to 100 ns.</summary>
    public static DateTimeOffset ToDateTimeOffset(long unixNanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(unixNanoseconds / 100);

    /// <summary>The current time in Unix nanoseconds from a <see cref="TimeProvider"/>.</summary>
    public static long Now(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return FromDateTimeOffset(timeProvider.GetUtcNow());
    }
}
