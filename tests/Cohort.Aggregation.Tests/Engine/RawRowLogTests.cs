using Cohort.Aggregation.Engine;

namespace Cohort.Aggregation.Tests.Engine;

public class RawRowLogTests
{
    [Fact]
    public void Rows_keep_their_order_values_and_arrival_runs_across_chunks_and_purges()
    {
        var log = new RawRowLog();
        const int n = 200_000; // more than three 64k-row chunks
        for (var i = 0; i < n; i++)
        {
            log.Append(i % 97, i * 0.5, arrivedTicks: i / 50_000); // four arrival runs
        }

        Assert.Equal(n, log.Count);
        Assert.Equal(12_345 % 97, log.KeyIdAt(12_345));
        Assert.Equal(150_001 * 0.5, log.ValueAt(150_001));

        long seen = 0;
        for (long i = 0; i < n;)
        {
            var length = log.Segment(i, n, out var keys, out var values);
            for (var j = 0; j < length; j++)
            {
                Assert.Equal((i + j) * 0.5, values[j]);
                Assert.Equal((int)((i + j) % 97), keys[j]);
            }

            i += length;
            seen += length;
        }

        Assert.Equal(n, seen);
        Assert.Equal(100_000, log.PrefixArrivedAtOrBefore(n, ticks: 1));
        Assert.Equal(70_000, log.PrefixArrivedAtOrBefore(70_000, ticks: 1));
        Assert.True(log.AnyArrivedAtOrBefore(160_000, n, ticks: 3));
        Assert.False(log.AnyArrivedAtOrBefore(160_000, n, ticks: 2));

        log.RemoveFirst(70_000);
        Assert.Equal(n - 70_000, log.Count);
        Assert.Equal(70_000 * 0.5, log.ValueAt(0));
        Assert.Equal(30_000, log.PrefixArrivedAtOrBefore(n, ticks: 1));
        Assert.Equal(0, log.PrefixArrivedAtOrBefore(n, ticks: 0));

        log.RemoveFirst(log.Count);
        Assert.Equal(0, log.Count);
        log.Append(1, 42, 9);
        Assert.Equal(42, log.ValueAt(0));
        Assert.Equal(1, log.PrefixArrivedAtOrBefore(1, 9));
    }
}
