namespace Cohort.Aggregation.Engine;

/// <summary>
/// The start of the period bucket holding an instant, on the calendar of a time zone: hours, days, ISO weeks
/// (Monday) and months start at local midnight (or the local hour), like PostgreSQL's
/// <c>date_trunc(period, start_date AT TIME ZONE zone)</c>.
/// </summary>
internal static class PeriodBuckets
{
    private const long TicksPerHour = TimeSpan.TicksPerHour;
    private const long TicksPerDay = TimeSpan.TicksPerDay;

    /// <summary>The bucket start as UTC ticks.</summary>
    public static long StartTicks(DateTimeOffset instant, AggregationPeriod period, TimeZoneInfo zone)
    {
        if (ReferenceEquals(zone, TimeZoneInfo.Utc))
        {
            return TruncateLocal(instant.UtcTicks, period);
        }

        var offset = zone.GetUtcOffset(instant);
        var localTicks = TruncateLocal(instant.UtcTicks + offset.Ticks, period);
        return ToUtcTicks(localTicks, zone, instant.UtcTicks);
    }

    /// <summary>The bucket start as an instant with the zone's offset at that moment.</summary>
    public static DateTimeOffset ToDateTimeOffset(long utcTicks, TimeZoneInfo zone)
    {
        var utc = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return ReferenceEquals(zone, TimeZoneInfo.Utc) ? utc : TimeZoneInfo.ConvertTime(utc, zone);
    }

    private static long TruncateLocal(long ticks, AggregationPeriod period)
    {
        switch (period)
        {
            case AggregationPeriod.Hour:
                return ticks - Mod(ticks, TicksPerHour);
            case AggregationPeriod.Day:
                return ticks - Mod(ticks, TicksPerDay);
            case AggregationPeriod.Week:
                // DateTime ticks 0 is Monday 0001-01-01.
                return ticks - Mod(ticks, 7 * TicksPerDay);
            default:
                var date = new DateTime(ticks, DateTimeKind.Unspecified);
                return new DateTime(date.Year, date.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).Ticks;
        }
    }

    private static long ToUtcTicks(long localTicks, TimeZoneInfo zone, long instantUtcTicks)
    {
        var local = new DateTime(localTicks, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The local bucket start falls in a spring-forward gap: the bucket starts at the first instant whose
            // local time is at or after it (the transition), found by bisection over whole minutes.
            var low = (localTicks - TimeSpan.TicksPerHour * 6 - zone.BaseUtcOffset.Ticks) / TimeSpan.TicksPerMinute;
            var high = Math.Min(instantUtcTicks, localTicks + TimeSpan.TicksPerHour * 6 - zone.BaseUtcOffset.Ticks) / TimeSpan.TicksPerMinute;
            while (low < high)
            {
                var middle = low + ((high - low) / 2);
                var localAt = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(middle * TimeSpan.TicksPerMinute, DateTimeKind.Utc), zone);
                if (localAt.Ticks >= localTicks)
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }

            return low * TimeSpan.TicksPerMinute;
        }

        if (zone.IsAmbiguousTime(local))
        {
            // Fall-back: the bucket starts at the earlier of the two instants (the larger offset).
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            var largest = offsets.Max();
            return localTicks - largest.Ticks;
        }

        return localTicks - zone.GetUtcOffset(local).Ticks;
    }

    private static long Mod(long value, long divisor)
    {
        var r = value % divisor;
        return r < 0 ? r + divisor : r;
    }
}
