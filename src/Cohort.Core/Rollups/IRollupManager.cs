namespace Cohort.Core;

/// <summary>
/// A continuous rollup of one field of a tenant's data over fixed periods (count, sum, min, max, avg, first, last per
/// bucket), kept up to date as points arrive. Buckets are aligned like TimescaleDB's <c>time_bucket</c>: on
/// <see cref="BucketOrigin"/> (Monday 2000-01-03 00:00 UTC) plus whole periods.
/// </summary>
/// <param name="Tenant">Whose data.</param>
/// <param name="Field">Which device field (all series of the device's measurement).</param>
/// <param name="Period">The bucket length, e.g. one hour: at least 100 ns (one tick), at most 100 years.</param>
public sealed record RollupDefinition(Tenant Tenant, FieldReference Field, TimeSpan Period)
{
    /// <summary>The origin buckets are aligned on: Monday 2000-01-03 00:00 UTC in Unix nanoseconds (TimescaleDB's default).</summary>
    public const long BucketOrigin = 946_857_600L * 1_000_000_000L;

    private static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(36_525);

    /// <summary>The bucket length in nanoseconds.</summary>
    public long PeriodNanoseconds => Period.Ticks * 100;

    /// <summary>
    /// The start of the first whole bucket after <see cref="long.MinValue"/>: points before it (within one period of
    /// 1677-09-21) are in no bucket and never rolled up.
    /// </summary>
    public long FirstBucketStart
    {
        get
        {
            var period = PeriodNanoseconds;
            var offset = Offset(long.MinValue, period);
            return offset == 0 ? long.MinValue : long.MinValue + (period - offset);
        }
    }

    /// <summary>The start of the bucket holding <paramref name="timestamp"/> (Unix nanoseconds).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is before <see cref="FirstBucketStart"/>.</exception>
    public long BucketStart(long timestamp)
    {
        var offset = Offset(timestamp, PeriodNanoseconds);
        return timestamp >= long.MinValue + offset
            ? timestamp - offset
            : throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "The timestamp is before the first whole bucket of the rollup.");
    }

    /// <summary>
    /// The bucket starts covered by a time range: both bounds rounded up to a bucket start (a bucket is in the range
    /// when its start is). A bound in the last, partial bucket before <see cref="long.MaxValue"/> is rounded down.
    /// </summary>
    public TimeRange AlignToBuckets(TimeRange range) => new(AlignUp(range.Start), AlignUp(range.End));

    /// <summary>Throws when the period is out of range or the field reference is empty.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="rollup"/> is null.</exception>
    /// <exception cref="ArgumentException">The rollup is not valid; the message says why.</exception>
    public static void ThrowIfInvalid(RollupDefinition rollup)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        if (rollup.Period <= TimeSpan.Zero || rollup.Period > MaxPeriod)
        {
            throw new ArgumentException($"A rollup period must be positive and at most 100 years; {rollup.Period} is not.", nameof(rollup));
        }

        if (string.IsNullOrEmpty(rollup.Field.Device) || string.IsNullOrEmpty(rollup.Field.Field))
        {
            throw new ArgumentException("A rollup needs a field reference (device.field).", nameof(rollup));
        }

        if (rollup.Tenant.Id is null)
        {
            throw new ArgumentException("A rollup needs a tenant; create it with new Tenant(id).", nameof(rollup));
        }
    }

    private long AlignUp(long timestamp)
    {
        var first = FirstBucketStart;
        if (timestamp <= first)
        {
            return first;
        }

        var period = PeriodNanoseconds;
        var start = BucketStart(timestamp);
        return start == timestamp || start > long.MaxValue - period ? start : start + period;
    }

    /// <summary>(timestamp - origin) mod period, in [0, period), without overflow.</summary>
    private static long Offset(long timestamp, long period)
    {
        var offset = ((timestamp % period) - (BucketOrigin % period)) % period;
        return offset < 0 ? offset + period : offset;
    }
}

/// <summary>
/// Creates and tears down continuous rollups. Cohort.Formulas calls it as named analytics start and stop referring to
/// a field (reference counted there); Cohort.Aggregation implements it in process, and SQL stores implement it with
/// materialised rollup tables or TimescaleDB continuous aggregates. The host wires one to the other.
/// </summary>
public interface IRollupManager
{
    /// <summary>Makes sure the rollup exists and is maintained from now on (idempotent).</summary>
    ValueTask EnsureRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default);

    /// <summary>Tears the rollup down; nothing refers to its field any more (idempotent).</summary>
    ValueTask DropRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default);
}
