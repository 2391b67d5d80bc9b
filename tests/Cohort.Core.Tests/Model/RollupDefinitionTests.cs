using Cohort.Core;
using FsCheck.Xunit;

namespace Cohort.Core.Tests.Model;

public class RollupDefinitionTests
{
    private static RollupDefinition Every(TimeSpan period) => new(new Tenant("t"), FieldReference.Parse("egauge.A.Solar"), period);

    [Property]
    public bool A_bucket_holds_its_timestamp_and_starts_on_the_origin_grid(long timestamp, byte periodIndex)
    {
        var periods = new[] { TimeSpan.FromTicks(1), TimeSpan.FromSeconds(7), TimeSpan.FromHours(1), TimeSpan.FromDays(7), TimeSpan.FromDays(36_525) };
        var rollup = Every(periods[periodIndex % periods.Length]);
        if (timestamp < rollup.FirstBucketStart)
        {
            return true;
        }

        var start = rollup.BucketStart(timestamp);
        var p = (Int128)rollup.PeriodNanoseconds;
        return start <= timestamp && timestamp - (Int128)start < p && ((Int128)start - RollupDefinition.BucketOrigin) % p == 0;
    }

    [Fact]
    public void Hours_start_on_the_hour_and_weeks_on_Monday()
    {
        var monday = Timestamps.FromDateTimeOffset(new DateTimeOffset(2024, 2, 26, 0, 0, 0, TimeSpan.Zero));
        var friday = Timestamps.FromDateTimeOffset(new DateTimeOffset(2024, 3, 1, 13, 45, 0, TimeSpan.Zero));
        Assert.Equal(monday, Every(TimeSpan.FromDays(7)).BucketStart(friday));
        Assert.Equal(friday - (45L * 60 * 1_000_000_000), Every(TimeSpan.FromHours(1)).BucketStart(friday));
    }

    [Fact]
    public void The_whole_time_line_aligns_to_the_first_and_last_whole_buckets()
    {
        var hourly = Every(TimeSpan.FromHours(1));
        var all = hourly.AlignToBuckets(TimeRange.All);
        Assert.Equal(hourly.FirstBucketStart, all.Start);
        Assert.Equal(hourly.BucketStart(long.MaxValue), all.End);
        Assert.True(hourly.FirstBucketStart - long.MinValue < hourly.PeriodNanoseconds);
        Assert.Throws<ArgumentOutOfRangeException>(() => hourly.BucketStart(long.MinValue));
    }

    [Fact]
    public void Bounds_round_up_to_bucket_starts()
    {
        var hourly = Every(TimeSpan.FromHours(1));
        const long Hour = 3_600_000_000_000;
        var aligned = hourly.AlignToBuckets(new TimeRange(RollupDefinition.BucketOrigin + 1, RollupDefinition.BucketOrigin + (2 * Hour)));
        Assert.Equal(RollupDefinition.BucketOrigin + Hour, aligned.Start);
        Assert.Equal(RollupDefinition.BucketOrigin + (2 * Hour), aligned.End);
    }

    [Fact]
    public void Invalid_rollups_are_refused_with_the_reason()
    {
        Assert.Contains("period", Assert.Throws<ArgumentException>(() => RollupDefinition.ThrowIfInvalid(Every(TimeSpan.Zero))).Message, StringComparison.Ordinal);
        Assert.Contains("100 years", Assert.Throws<ArgumentException>(() => RollupDefinition.ThrowIfInvalid(Every(TimeSpan.FromDays(40_000)))).Message, StringComparison.Ordinal);
        Assert.Contains("tenant", Assert.Throws<ArgumentException>(() => RollupDefinition.ThrowIfInvalid(Every(TimeSpan.FromHours(1)) with { Tenant = default })).Message, StringComparison.Ordinal);
    }
}
