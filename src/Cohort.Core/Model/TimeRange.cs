namespace Cohort.Core;

/// <summary>A range of Unix-nanosecond timestamps: <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
public readonly record struct TimeRange
{
    /// <summary>Creates a range; <paramref name="start"/> must not be after <paramref name="end"/>.</summary>
    public TimeRange(long start, long end)
    {
        if (end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, $"The end ({end}) is before the start ({start}).");
        }

        Start = start;
        End = end;
    }

    /// <summary>Every representable timestamp.</summary>
    public static TimeRange All => new(long.MinValue, long.MaxValue);

    /// <summary>The first timestamp in the range (inclusive).</summary>
    public long Start { get; }

    /// <summary>The first timestamp after the range (exclusive).</summary>
    public long End { get; }

    /// <summary>Whether the range holds no timestamp.</summary>
    public bool IsEmpty => Start == End;

    /// <summary>Whether <paramref name="timestamp"/> is in the range.</summary>
    public bool Contains(long timestamp) => timestamp >= Start && timestamp < End;

    /// <summary>A range between two instants.</summary>
    public static TimeRange Between(DateTimeOffset start, DateTimeOffset end) =>
        new(Timestamps.FromDateTimeOffset(start), Timestamps.FromDateTimeOffset(end));
}
