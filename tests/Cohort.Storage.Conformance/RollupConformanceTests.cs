using Cohort.Core;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Storage.Conformance;

/// <summary>
/// The rollup contract every backend is held to (Cohort.Aggregation's in-process engine, the PostgreSQL store): the
/// real-time view always equals the buckets computed from the raw points written so far (count, sum, min, max, avg,
/// first, last; buckets aligned on 2000-01-03 UTC), before and after refreshes, with late points and overwrites in
/// materialised buckets, after a drop, for integers and booleans, across tenants and on timestamp ties, and after a
/// purge of raw points or a deletion of old buckets (<see cref="IRollupBucketDeleter"/>). Inherit it,
/// create the backend in <see cref="CreateAsync"/> with its refresh lag at one hour and its clock at <see cref="Clock"/>.
/// </summary>
public abstract class RollupConformanceTests
{
    /// <summary>One hour in nanoseconds.</summary>
    protected const long Hour = 3_600_000_000_000L;

    /// <summary>The start of the test data: 2024-03-01 00:00 UTC, a bucket start of every whole-hour period.</summary>
    protected static readonly long T0 = Timestamps.FromDateTimeOffset(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));

    private readonly Dictionary<(Tenant Tenant, SeriesKey Series, long Time, string Field), FieldValue> _written = [];

    /// <summary>The clock the backend refreshes by; starts at <see cref="T0"/>.</summary>
    protected FakeTimeProvider Clock { get; } = new(Timestamps.ToDateTimeOffset(T0));

    /// <summary>A unique tenant for this test (stores are shared between tests by some backends).</summary>
    protected Tenant TenantA { get; } = new("ra" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A second unique tenant.</summary>
    protected Tenant TenantB { get; } = new("rb" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Creates the backend under test (empty for this test's tenants).</summary>
    protected abstract ValueTask<RollupsUnderTest> CreateAsync();

    /// <summary>Hourly rollup of <c>egauge.A.Solar</c> for <see cref="TenantA"/>.</summary>
    protected RollupDefinition Solar => new(TenantA, FieldReference.Parse("egauge.A.Solar"), TimeSpan.FromHours(1));

    [Fact]
    public async Task Buckets_equal_the_raw_aggregates_before_and_after_a_refresh()
    {
        await using var backend = await CreateAsync();
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, Day(hours: 5));
        await AssertMatchesRawAsync(backend, Solar);

        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (10 * Hour)));
        await backend.Refresh(default);
        await AssertMatchesRawAsync(backend, Solar);
        await AssertMatchesRawAsync(backend, Solar, new TimeRange(T0 + Hour + 1, T0 + (3 * Hour) + 1));
        Assert.Equal(5, (await backend.Reader.QueryAsync(Solar, TimeRange.All)).Count);
    }

    [Fact]
    public async Task A_late_point_in_a_materialised_bucket_is_reflected_at_once_and_after_the_next_refresh()
    {
        await using var backend = await CreateAsync();
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, Day(hours: 4));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (6 * Hour)));
        await backend.Refresh(default);

        // Earlier than every point of hour 1, and its new min and max.
        await WriteAsync(backend, TenantA, [Solar1("r1", T0 + Hour, -1e6), Solar1("r9", T0 + Hour + 5, 1e6)]);
        var buckets = await AssertMatchesRawAsync(backend, Solar);
        Assert.Equal(-1e6, buckets[1].First);
        Assert.Equal(-1e6, buckets[1].Min);
        Assert.Equal(1e6, buckets[1].Max);

        await backend.Refresh(default);
        await AssertMatchesRawAsync(backend, Solar);
    }

    [Fact]
    public async Task An_overwrite_in_a_materialised_bucket_replaces_the_old_value()
    {
        await using var backend = await CreateAsync();
        await backend.Manager.EnsureRollupAsync(Solar);
        var points = Day(hours: 3);
        await WriteAsync(backend, TenantA, points);
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (5 * Hour)));
        await backend.Refresh(default);

        var max = points.Where(p => p.Timestamp < T0 + Hour).MaxBy(p => p[Solar.Field.Field]!.Value.AsDouble())!;
        await WriteAsync(backend, TenantA, [new Point(max.Series, [new Field(Solar.Field.Field, FieldValue.FromDouble(-5))], max.Timestamp)]);
        var buckets = await AssertMatchesRawAsync(backend, Solar);
        Assert.NotEqual(max[Solar.Field.Field]!.Value.AsDouble(), buckets[0].Max);
        await backend.Refresh(default);
        await AssertMatchesRawAsync(backend, Solar);
    }

    [Fact]
    public async Task The_tail_after_the_watermark_comes_from_raw_points()
    {
        await using var backend = await CreateAsync();
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, Day(hours: 2));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (3 * Hour) + 60_000_000_000L)); // materialises hours 0 and 1
        await backend.Refresh(default);
        await WriteAsync(backend, TenantA, Day(hours: 5, seed: 7).Where(p => p.Timestamp >= T0 + (2 * Hour)));
        var buckets = await AssertMatchesRawAsync(backend, Solar);
        Assert.Equal(5, buckets.Count);
    }

    [Fact]
    public async Task Ensure_and_drop_are_idempotent_and_a_dropped_rollup_still_answers_from_raw()
    {
        await using var backend = await CreateAsync();
        await backend.Manager.EnsureRollupAsync(Solar);
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, Day(hours: 3));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (5 * Hour)));
        await backend.Refresh(default);
        await backend.Manager.DropRollupAsync(Solar);
        await backend.Manager.DropRollupAsync(Solar);
        await WriteAsync(backend, TenantA, [Solar1("r1", T0 + 10, 77)]);
        await AssertMatchesRawAsync(backend, Solar);

        await backend.Manager.EnsureRollupAsync(Solar);
        await backend.Refresh(default);
        await AssertMatchesRawAsync(backend, Solar);
    }

    [Fact]
    public async Task Integers_and_booleans_count_as_numbers_and_strings_give_no_buckets()
    {
        await using var backend = await CreateAsync();
        var series = new SeriesKey("sonnen", TagSet.Empty);
        var points = Enumerable.Range(0, 12).Select(i => new Point(series,
        [
            new Field("count", FieldValue.FromInt64((i * 37 % 11) - 5)),
            new Field("big", FieldValue.FromUInt64(ulong.MaxValue - (ulong)i)),
            new Field("on", FieldValue.FromBoolean(i % 3 == 0)),
            new Field("state", FieldValue.FromString("s" + i)),
        ], T0 + (i * 15 * 60_000_000_000L))).ToList();
        var rollups = new[] { "count", "big", "on", "state" }.Select(f => new RollupDefinition(TenantA, new FieldReference("sonnen", f), TimeSpan.FromHours(1))).ToList();
        foreach (var rollup in rollups)
        {
            await backend.Manager.EnsureRollupAsync(rollup);
        }

        await WriteAsync(backend, TenantA, points);
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (3 * Hour)));
        await backend.Refresh(default);
        foreach (var rollup in rollups)
        {
            await AssertMatchesRawAsync(backend, rollup);
        }

        Assert.Empty(await backend.Reader.QueryAsync(rollups[3], TimeRange.All));
        Assert.Equal(2, (await backend.Reader.QueryAsync(rollups[2], TimeRange.All))[0].Sum); // i = 0 and 3
    }

    [Fact]
    public async Task A_tenants_rollup_never_includes_another_tenants_points()
    {
        await using var backend = await CreateAsync();
        var other = Solar with { Tenant = TenantB };
        await backend.Manager.EnsureRollupAsync(Solar);
        await backend.Manager.EnsureRollupAsync(other);
        await WriteAsync(backend, TenantA, Day(hours: 2));
        await WriteAsync(backend, TenantB, Day(hours: 2, seed: 3).Select(p => new Point(p.Series, [new Field(Solar.Field.Field, FieldValue.FromDouble(1e6))], p.Timestamp)));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (4 * Hour)));
        await backend.Refresh(default);
        var a = await AssertMatchesRawAsync(backend, Solar);
        var b = await AssertMatchesRawAsync(backend, other);
        Assert.All(a, bucket => Assert.True(bucket.Max < 1e6));
        Assert.All(b, bucket => Assert.Equal(1e6, bucket.Min));
    }

    [Fact]
    public async Task On_a_timestamp_tie_first_takes_the_first_series_and_last_the_last_in_store_order()
    {
        await using var backend = await CreateAsync();
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, [Solar1("b", T0 + 10, 2), Solar1("a", T0 + 10, 1), Solar1("c", T0 + 10, 3), Solar1("b", T0 + 20, 5), Solar1("a", T0 + 20, 4)]);
        var raw = await backend.Reader.QueryAsync(Solar, TimeRange.All);
        Assert.Equal(1, raw[0].First);
        Assert.Equal(5, raw[0].Last);
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (3 * Hour)));
        await backend.Refresh(default);
        await WriteAsync(backend, TenantA, [Solar1("0", T0 + 10, -7)]); // late, now the first series of the tie
        var buckets = await AssertMatchesRawAsync(backend, Solar);
        Assert.Equal(-7, buckets[0].First);
    }

    [Fact]
    public async Task Buckets_materialised_before_a_purge_of_the_raw_points_survive_it_and_later_refreshes()
    {
        await using var backend = await CreateAsync();
        var deleter = backend.Deleter ?? throw new InvalidOperationException("The backend under test has no deleter (RollupsUnderTest.Deleter).");
        await backend.Manager.EnsureRollupAsync(Solar);
        await backend.Manager.EnsureRollupAsync(Solar with { Tenant = TenantB });
        await WriteAsync(backend, TenantA, Day(hours: 5));
        await WriteAsync(backend, TenantB, Day(hours: 5, seed: 2));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (10 * Hour)));
        await backend.Refresh(default);

        var cutoff = T0 + (3 * Hour) + (Hour / 2); // inside a materialised bucket
        await deleter.DeleteBeforeAsync(TenantA, cutoff);

        Assert.Equal(5, (await AssertMatchesRawAsync(backend, Solar)).Count);
        await AssertMatchesRawAsync(backend, Solar with { Tenant = TenantB });

        // The raw points did go: a rollup that is not maintained is computed from what is left.
        var fromRaw = await backend.Reader.QueryAsync(Solar with { Period = TimeSpan.FromMinutes(30) }, TimeRange.All);
        Assert.Equal(cutoff, fromRaw[0].Start);
        Assert.Equal(3, fromRaw.Count);

        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (48 * Hour)));
        await backend.Refresh(default);
        await AssertMatchesRawAsync(backend, Solar);
    }

    [Fact]
    public async Task Deleting_buckets_removes_the_whole_buckets_ending_at_or_before_the_cutoff_of_that_tenant_only()
    {
        await using var backend = await CreateAsync();
        var deleter = BucketDeleter(backend);
        var other = Solar with { Tenant = TenantB };
        await backend.Manager.EnsureRollupAsync(Solar);
        await backend.Manager.EnsureRollupAsync(other);
        await WriteAsync(backend, TenantA, Day(hours: 5));
        await WriteAsync(backend, TenantB, Day(hours: 5, seed: 2));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (10 * Hour)));
        await backend.Refresh(default);

        // Hours 0 and 1 end at or before the cutoff; hour 2 straddles it and is kept whole.
        await deleter.DeleteBucketsBeforeAsync(TenantA, T0 + (2 * Hour) + (Hour / 2));
        var kept = await AssertMatchesRawAsync(backend, Solar, TimeRange.All, floor: T0 + (2 * Hour));
        Assert.Equal([T0 + (2 * Hour), T0 + (3 * Hour), T0 + (4 * Hour)], kept.Select(b => b.Start));
        Assert.Empty(await backend.Reader.QueryAsync(Solar, new TimeRange(T0, T0 + (2 * Hour))));
        Assert.Equal(5, (await AssertMatchesRawAsync(backend, other)).Count);

        // A cutoff on a bucket boundary deletes the bucket ending there.
        await deleter.DeleteBucketsBeforeAsync(TenantA, T0 + (3 * Hour));
        Assert.Equal(2, (await AssertMatchesRawAsync(backend, Solar, TimeRange.All, floor: T0 + (3 * Hour))).Count);
        Assert.Equal(5, (await AssertMatchesRawAsync(backend, other)).Count);
    }

    [Fact]
    public async Task Deleting_buckets_is_idempotent_and_an_earlier_cutoff_deletes_nothing_more()
    {
        await using var backend = await CreateAsync();
        var deleter = BucketDeleter(backend);
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, Day(hours: 5));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (10 * Hour)));
        await backend.Refresh(default);

        await deleter.DeleteBucketsBeforeAsync(TenantA, T0 + (2 * Hour));
        await deleter.DeleteBucketsBeforeAsync(TenantA, T0 + (2 * Hour));
        await deleter.DeleteBucketsBeforeAsync(TenantA, T0 + Hour);
        await deleter.DeleteBucketsBeforeAsync(TenantB, T0 + (4 * Hour)); // no rollups: not an error
        Assert.Equal(3, (await AssertMatchesRawAsync(backend, Solar, TimeRange.All, floor: T0 + (2 * Hour))).Count);
    }

    [Fact]
    public async Task Deleted_buckets_are_not_recomputed_by_queries_refreshes_or_late_points_while_raw_points_remain()
    {
        await using var backend = await CreateAsync();
        var deleter = BucketDeleter(backend);
        await backend.Manager.EnsureRollupAsync(Solar);
        await WriteAsync(backend, TenantA, Day(hours: 5));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (3 * Hour))); // materialises hours 0 and 1
        await backend.Refresh(default);

        // The cutoff is past the watermark: hours 2 and 3 were never materialised, their raw points are still stored.
        var floor = T0 + (4 * Hour);
        await deleter.DeleteBucketsBeforeAsync(TenantA, floor + 1);
        Assert.Empty(await backend.Reader.QueryAsync(Solar, new TimeRange(T0, floor)));
        Assert.Single(await AssertMatchesRawAsync(backend, Solar, TimeRange.All, floor));

        // A late point in a deleted bucket is stored but changes no bucket, before or after a refresh.
        await WriteAsync(backend, TenantA, [Solar1("late", T0 + Hour + 5, 1e6), Solar1("late", T0 + (3 * Hour) + 5, 1e6)]);
        Assert.Empty(await backend.Reader.QueryAsync(Solar, new TimeRange(T0, floor)));
        Clock.SetUtcNow(Timestamps.ToDateTimeOffset(T0 + (48 * Hour)));
        await backend.Refresh(default);
        await backend.Refresh(default);
        Assert.Empty(await backend.Reader.QueryAsync(Solar, new TimeRange(T0, floor)));
        Assert.Single(await AssertMatchesRawAsync(backend, Solar, TimeRange.All, floor));

        // The raw points are untouched: a rollup that is not maintained is still computed from them.
        var fromRaw = await backend.Reader.QueryAsync(Solar with { Period = TimeSpan.FromMinutes(30) }, TimeRange.All);
        Assert.Equal(T0, fromRaw[0].Start);
        Assert.Contains(fromRaw, b => b.Max == 1e6);
    }

    /// <summary>A point of <c>egauge</c> (tag <c>ct</c>) with one <c>A.Solar</c> value.</summary>
    protected static Point Solar1(string ct, long time, double value) =>
        new(new SeriesKey("egauge", TagSet.Create(("ct", ct))), [new Field("A.Solar", FieldValue.FromDouble(value))], time);

    /// <summary>Points of three <c>egauge</c> series every 7 minutes from <see cref="T0"/>, with a second field.</summary>
    protected static List<Point> Day(int hours, int seed = 1)
    {
        var random = new Random(seed);
        var points = new List<Point>();
        for (var t = T0; t < T0 + (hours * Hour); t += 7 * 60_000_000_000L)
        {
            foreach (var ct in new[] { "ct1", "ct2", "ct10" })
            {
                points.Add(new Point(new SeriesKey("egauge", TagSet.Create(("ct", ct))),
                [
                    new Field("A.Solar", FieldValue.FromDouble(Math.Round((random.NextDouble() * 2000) - 500, 3))),
                    new Field("A.Load", FieldValue.FromDouble(random.Next(100))),
                ], t + random.Next(1000)));
            }
        }

        return points;
    }

    /// <summary>Writes points through the backend and remembers them (latest write wins) as the raw truth.</summary>
    protected async Task WriteAsync(RollupsUnderTest backend, Tenant tenant, IEnumerable<Point> points)
    {
        var list = points.ToList();
        var result = await backend.Writer.WriteAsync(tenant, PointBatch.FromPoints(list));
        Assert.True(result.IsComplete, string.Join("; ", result.Rejections));
        foreach (var point in list)
        {
            foreach (var field in point.Fields)
            {
                _written[(tenant, point.Series, point.Timestamp, field.Key)] = field.Value;
            }
        }
    }

    /// <summary>
    /// Asserts that the backend's real-time view equals the buckets computed from the raw points written (those
    /// starting at or after <paramref name="floor"/> only, when buckets before it were deleted).
    /// </summary>
    protected async Task<IReadOnlyList<RollupBucket>> AssertMatchesRawAsync(RollupsUnderTest backend, RollupDefinition rollup, TimeRange? range = null, long floor = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var query = range ?? TimeRange.All;
        var actual = await backend.Reader.QueryAsync(rollup, query);
        AssertBucketsEqual([.. Expected(rollup, query).Where(b => b.Start >= floor)], actual);
        return actual;
    }

    /// <summary>The backend's rollup retention: its manager as an <see cref="IRollupBucketDeleter"/>.</summary>
    protected static IRollupBucketDeleter BucketDeleter(RollupsUnderTest backend) =>
        backend?.Manager as IRollupBucketDeleter ?? throw new InvalidOperationException("The backend's rollup manager does not implement IRollupBucketDeleter.");

    /// <summary>Buckets equal: starts, counts, min, max, first and last exactly; sums and averages to 1e-12 relative.</summary>
    public static void AssertBucketsEqual(IReadOnlyList<RollupBucket> expected, IReadOnlyList<RollupBucket> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.Equal(expected.Select(b => b.Start), actual.Select(b => b.Start));
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.True(
                e.Count == a.Count && e.Min == a.Min && e.Max == a.Max && e.First == a.First && e.Last == a.Last &&
                Close(e.Sum, a.Sum) && Close(e.Avg, a.Avg),
                $"bucket {e.Start}: expected {e}, got {a}");
        }
    }

    private static bool Close(double x, double y) => x == y || Math.Abs(x - y) <= 1e-12 * Math.Max(Math.Abs(x), Math.Abs(y)) + 1e-9;

    private List<RollupBucket> Expected(RollupDefinition rollup, TimeRange range)
    {
        var aligned = rollup.AlignToBuckets(range);
        var values = _written
            .Where(w => w.Key.Tenant == rollup.Tenant && w.Key.Series.Measurement == rollup.Field.Device && w.Key.Field == rollup.Field.Field)
            .Where(w => w.Value.TryGetNumber(out _) && w.Key.Time >= rollup.FirstBucketStart)
            .Select(w => (Bucket: rollup.BucketStart(w.Key.Time), w.Key.Series, w.Key.Time, Value: Number(w.Value)))
            .Where(w => w.Bucket >= aligned.Start && w.Bucket < aligned.End)
            .ToList();
        return [.. values
            .GroupBy(v => v.Bucket)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var ordered = g.OrderBy(v => v.Time).ThenBy(v => v.Series, SeriesKey.StoreOrder).ToList();
                var sum = ordered.Sum(v => v.Value);
                return new RollupBucket(g.Key, ordered.Count, sum, ordered.Min(v => v.Value), ordered.Max(v => v.Value), sum / ordered.Count, ordered[0].Value, ordered[^1].Value);
            })];
    }

    private static double Number(FieldValue value) => value.TryGetNumber(out var number) ? number : double.NaN;
}
