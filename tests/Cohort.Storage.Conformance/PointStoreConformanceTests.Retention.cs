using Cohort.Core;

namespace Cohort.Storage.Conformance;

/// <summary>
/// Retention (<see cref="IPointDeleter"/>): points strictly before the cutoff go, in every series; points at and after
/// it stay; other tenants are untouched; deleting is idempotent; a tenant with no data is not an error; a series left
/// empty does not come back in reads, and can be written again.
/// </summary>
public abstract partial class PointStoreConformanceTests
{
    /// <summary>One week in nanoseconds: the width of a PostgreSQL partition or TimescaleDB chunk.</summary>
    private const long Week = 7L * 24 * 3_600 * 1_000_000_000;

    private static readonly TagSet HostB = TagSet.Create(("host", "b"));

    /// <summary>Mid-week 3: whole weeks 0 to 2 (and the far past) are before it, week 3 straddles it.</summary>
    private const long Cutoff = (3 * Week) + (Week / 2);

    private IPointDeleter Deleter => Store.Deleter ?? throw new InvalidOperationException("The store under test has no deleter (StoreUnderTest.Deleter).");

    /// <summary>
    /// Points in two series and two measurements, in whole weeks before the cutoff, around it to the nanosecond, and
    /// after it; with two fields at one timestamp.
    /// </summary>
    private static Point[] RetentionPoints() =>
    [
        new("m", HostA, "f", 1L, StoreContract.MinTimestamp),
        new("m", HostA, "f", 2L, -5),
        new("m", HostA, [new("f", 3L), new("g", "x")], 0),
        new("m", HostA, "f", 4L, Week + 1),
        new("m", HostA, "f", 5L, 3 * Week),
        new("m", HostA, "f", 6L, Cutoff - 1),
        new("m", HostA, [new("f", 7L), new("g", "y")], Cutoff),
        new("m", HostA, "f", 8L, Cutoff + 1),
        new("m", HostA, "f", 9L, 5 * Week),
        new("m", HostB, "f", 10L, 2 * Week),
        new("m", HostB, "f", 11L, Cutoff + 2),
        new("n", TagSet.Empty, "h", 1.5, Cutoff - 1),
        new("n", TagSet.Empty, "h", 2.5, StoreContract.MaxTimestamp),
    ];

    [Fact]
    public async Task Deleting_before_a_cutoff_removes_the_points_before_it_and_keeps_those_at_and_after_it()
    {
        var tenant = NewTenant();
        var points = RetentionPoints();
        Assert.True((await WriteAsync(tenant, points)).IsComplete);

        await Deleter.DeleteBeforeAsync(tenant, Cutoff);

        var expected = points.Where(p => p.Timestamp >= Cutoff).OrderBy(p => p, Comparer<Point>.Create(StoreContract.ComparePoints)).ToList();
        Assert.Equal(expected, await ReadAllAsync(tenant));
        Assert.Empty(await ReadAsync(tenant, new PointQuery(new TimeRange(long.MinValue, Cutoff))));
    }

    [Fact]
    public async Task Deleting_touches_no_other_tenant()
    {
        var tenant = NewTenant();
        var other = NewTenant();
        await WriteAsync(tenant, RetentionPoints());
        await WriteAsync(other, RetentionPoints());
        var before = await ReadAllAsync(other);

        await Deleter.DeleteBeforeAsync(tenant, Cutoff);

        Assert.Equal(before, await ReadAllAsync(other));
        Assert.Equal(RetentionPoints().Length, before.Count);
    }

    [Fact]
    public async Task Deleting_again_or_with_an_earlier_cutoff_changes_nothing()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, RetentionPoints());
        await Deleter.DeleteBeforeAsync(tenant, Cutoff);
        var once = await ReadAllAsync(tenant);

        await Deleter.DeleteBeforeAsync(tenant, Cutoff);
        await Deleter.DeleteBeforeAsync(tenant, Week);

        Assert.Equal(once, await ReadAllAsync(tenant));
        Assert.NotEmpty(once);
    }

    [Fact]
    public async Task Deleting_from_a_tenant_with_no_data_succeeds_and_leaves_it_writable()
    {
        var tenant = NewTenant();

        await Deleter.DeleteBeforeAsync(tenant, Cutoff);
        await Deleter.DeleteBeforeAsync(tenant, long.MaxValue);

        Assert.Empty(await ReadAllAsync(tenant));
        var point = new Point("m", HostA, "f", 1L, 0);
        Assert.True((await WriteAsync(tenant, point)).IsComplete);
        Assert.Equal([point], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task A_series_left_empty_does_not_reappear_in_reads_and_can_be_written_again()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("m", HostB, "f", 1L, Week), new Point("m", HostA, "f", 2L, Cutoff));

        await Deleter.DeleteBeforeAsync(tenant, Cutoff);

        Assert.Equal([new Point("m", HostA, "f", 2L, Cutoff)], await ReadAllAsync(tenant));
        Assert.Empty(await ReadAsync(tenant, new PointQuery(TimeRange.All) { TagFilters = [new Tag("host", "b")] }));

        // Written again, in the week whose partition (or chunk) went.
        var again = new Point("m", HostB, "f", 3L, Week + 5);
        Assert.True((await WriteAsync(tenant, again)).IsComplete);
        Assert.Equal([again], await ReadAsync(tenant, new PointQuery(TimeRange.All) { TagFilters = [new Tag("host", "b")] }));
    }

    [Fact]
    public async Task Deleting_while_writing_after_the_cutoff_loses_none_of_the_new_points()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, RetentionPoints());
        var writes = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var batch = Enumerable.Range(0, 50).Select(j => new Point("w", TagSet.Create(("writer", i.ToString(System.Globalization.CultureInfo.InvariantCulture))), "f", (long)j, Cutoff + (j * Week / 10))).ToArray();
            Assert.True((await WriteAsync(tenant, batch)).IsComplete);
        })).ToList();
        var deletes = Enumerable.Range(0, 3).Select(_ => Task.Run(async () => await Deleter.DeleteBeforeAsync(tenant, Cutoff))).ToList();

        await Task.WhenAll(writes.Concat(deletes));

        var read = await ReadAllAsync(tenant);
        Assert.Equal(8 * 50, read.Count(p => p.Measurement == "w"));
        Assert.DoesNotContain(read, p => p.Timestamp < Cutoff);
    }

    [Fact]
    public async Task Deleting_before_the_end_of_time_removes_everything()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, RetentionPoints());

        await Deleter.DeleteBeforeAsync(tenant, long.MaxValue);

        Assert.Empty(await ReadAllAsync(tenant));
    }
}
