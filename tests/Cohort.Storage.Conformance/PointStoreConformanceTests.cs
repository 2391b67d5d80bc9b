using System.Globalization;
using Cohort.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Storage.Conformance;

/// <summary>
/// The store contract (docs/storage.md) as xunit tests. An adapter's test project derives a class from this one,
/// implements <see cref="CreateStoreAsync"/> and <see cref="MakeUnavailableAsync"/>, and inherits every test.
/// Each test writes under fresh tenant ids, so a shared server needs no cleaning between tests.
/// </summary>
public abstract partial class PointStoreConformanceTests : IAsyncLifetime
{
    private StoreUnderTest? _store;

    /// <summary>The store of the current test.</summary>
    protected StoreUnderTest Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>Creates (or connects to) the store under test; called once per test.</summary>
    protected abstract ValueTask<StoreUnderTest> CreateStoreAsync();

    /// <summary>
    /// Makes the store go away for <paramref name="tenant"/> in the way that is realistic for it (a server stopped, a
    /// database locked by another process beyond the busy timeout); disposing the result brings it back.
    /// </summary>
    protected abstract ValueTask<IAsyncDisposable> MakeUnavailableAsync(StoreUnderTest store, Tenant tenant);

    /// <inheritdoc />
    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    /// <summary>A tenant id no other test uses.</summary>
    protected static Tenant NewTenant() => new("t" + Guid.NewGuid().ToString("N")[..20]);

    private static readonly TagSet HostA = TagSet.Create(("host", "a"));

    // ---- Values ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Writes_and_reads_back_every_field_type_and_extreme_value()
    {
        var tenant = NewTenant();
        var fields = StoreContract.ExtremeFields();
        var point = new Point("values", HostA, fields, 1_000);

        var result = await WriteAsync(tenant, point);

        Assert.Equal(fields.Length, result.Written);
        Assert.True(result.IsComplete);
        var read = Assert.Single(await ReadAllAsync(tenant));
        Assert.Equal(new Point("values", HostA, fields.OrderBy(f => f.Key, StringComparer.Ordinal), 1_000), read);
    }

    [Fact]
    public async Task Reads_back_negative_zero_with_its_sign()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("values", TagSet.Empty, "z", -0.0, 1));

        var value = Assert.Single(await ReadAllAsync(tenant))["z"]!.Value.AsDouble();

        Assert.True(double.IsNegative(value) && value == 0.0, $"read back {value.ToString("R", CultureInfo.InvariantCulture)}, sign lost");
    }

    [Fact]
    public async Task Reads_back_measurements_and_tags_with_special_characters()
    {
        var tenant = NewTenant();
        var tags = TagSet.Create(("k y", "v,1"), ("e=q", "back\\slash"), ("ünï", "日本 🙂"), ("quote", "\"q\""));
        var point = new Point("m e,a=s \"u\"", tags, "f", 1.5, 7);

        await WriteAsync(tenant, point);

        Assert.Equal([point], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task Reads_back_the_earliest_and_latest_contract_timestamps()
    {
        var tenant = NewTenant();
        var earliest = new Point("edge", TagSet.Empty, "f", 1L, StoreContract.MinTimestamp);
        var zero = new Point("edge", TagSet.Empty, "f", 2L, 0);
        var latest = new Point("edge", TagSet.Empty, "f", 3L, StoreContract.MaxTimestamp);

        await WriteAsync(tenant, latest, earliest, zero);

        Assert.Equal([earliest, zero, latest], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task An_empty_batch_writes_nothing_and_succeeds()
    {
        var result = await Store.Writer.WriteAsync(NewTenant(), new PointBatch());

        Assert.Equal(0, result.Written);
        Assert.True(result.IsComplete);
    }

    // ---- Overwrite and merge --------------------------------------------------------------------------------------

    [Fact]
    public async Task Writing_other_fields_at_the_same_series_and_time_merges_them()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("m", HostA, "a", 1L, 100));
        await WriteAsync(tenant, new Point("m", HostA, "b", 2L, 100));

        Assert.Equal([new Point("m", HostA, [new("a", 1L), new("b", 2L)], 100)], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task Writing_the_same_field_at_the_same_series_and_time_keeps_the_newest_value()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("m", HostA, [new("a", 1L), new("b", 5L)], 100));
        await WriteAsync(tenant, new Point("m", HostA, "a", 3L, 100));

        Assert.Equal([new Point("m", HostA, [new("a", 3L), new("b", 5L)], 100)], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task Within_one_batch_the_later_value_of_a_field_wins()
    {
        var tenant = NewTenant();
        var result = await WriteAsync(tenant, new Point("m", HostA, "a", 1L, 100), new Point("m", HostA, "a", 2L, 100));

        Assert.Equal(2, result.Written);
        Assert.Equal([new Point("m", HostA, "a", 2L, 100)], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task Points_differing_only_in_tags_are_different_series()
    {
        var tenant = NewTenant();
        var a = new Point("m", HostA, "f", 1L, 100);
        var b = new Point("m", TagSet.Create(("host", "b")), "f", 2L, 100);
        var none = new Point("m", TagSet.Empty, "f", 3L, 100);

        await WriteAsync(tenant, a, b, none);

        Assert.Equal([none, a, b], await ReadAllAsync(tenant));
    }

    // ---- Reads: ranges, selection, order --------------------------------------------------------------------------

    [Fact]
    public async Task Time_ranges_include_their_start_and_exclude_their_end()
    {
        var tenant = NewTenant();
        var points = Enumerable.Range(0, 10).Select(i => new Point("m", HostA, "f", (long)i, i * 10L)).ToArray();
        await WriteAsync(tenant, points);

        var read = await ReadAsync(tenant, new PointQuery(new TimeRange(20, 50)));

        Assert.Equal(points[2..5], read);
    }

    [Fact]
    public async Task An_empty_time_range_reads_nothing()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("m", HostA, "f", 1L, 20));

        Assert.Empty(await ReadAsync(tenant, new PointQuery(new TimeRange(20, 20))));
    }

    [Fact]
    public async Task Selects_series_by_measurement()
    {
        var tenant = NewTenant();
        var cpu = new Point("cpu", HostA, "f", 1L, 1);
        var mem = new Point("mem", HostA, "f", 2L, 1);
        await WriteAsync(tenant, cpu, mem);

        Assert.Equal([mem], await ReadAsync(tenant, new PointQuery(TimeRange.All) { Measurement = "mem" }));
        Assert.Empty(await ReadAsync(tenant, new PointQuery(TimeRange.All) { Measurement = "disk" }));
    }

    [Fact]
    public async Task Selects_series_having_every_tag_filter_with_its_exact_value()
    {
        var tenant = NewTenant();
        var aX = new Point("m", TagSet.Create(("host", "a"), ("room", "x")), "f", 1L, 1);
        var aY = new Point("m", TagSet.Create(("host", "a"), ("room", "y")), "f", 2L, 1);
        var bX = new Point("m", TagSet.Create(("host", "b"), ("room", "x")), "f", 3L, 1);
        var a = new Point("m", HostA, "f", 4L, 1);
        var otherMeasurement = new Point("n", HostA, "f", 5L, 1);
        await WriteAsync(tenant, aX, aY, bX, a, otherMeasurement);

        var byHost = await ReadAsync(tenant, new PointQuery(TimeRange.All) { Measurement = "m", TagFilters = [new Tag("host", "a")] });
        var byBoth = await ReadAsync(tenant, new PointQuery(TimeRange.All) { TagFilters = [new Tag("host", "a"), new Tag("room", "x")] });
        var byCase = await ReadAsync(tenant, new PointQuery(TimeRange.All) { TagFilters = [new Tag("host", "A")] });

        Assert.Equal([a, aX, aY], byHost);
        Assert.Equal([aX], byBoth);
        Assert.Empty(byCase);
    }

    [Fact]
    public async Task Selects_fields_and_leaves_out_points_that_have_none_of_them()
    {
        var tenant = NewTenant();
        await WriteAsync(
            tenant,
            new Point("m", HostA, [new("a", 1L), new("b", 2L), new("c", 3L)], 1),
            new Point("m", HostA, "c", 4L, 2),
            new Point("m", HostA, "a", 5L, 3));

        var read = await ReadAsync(tenant, new PointQuery(TimeRange.All) { Fields = ["a", "b"] });

        Assert.Equal([new Point("m", HostA, [new("a", 1L), new("b", 2L)], 1), new Point("m", HostA, "a", 5L, 3)], read);
    }

    [Fact]
    public async Task Returns_fields_ordered_by_key_whatever_order_they_were_written_in()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("m", HostA, [new("zeta", 1L), new("Alpha", 2L), new("beta", 3L)], 1));
        await WriteAsync(tenant, new Point("m", HostA, "_under", 4L, 1));

        var read = Assert.Single(await ReadAllAsync(tenant));

        Assert.Equal(["Alpha", "_under", "beta", "zeta"], read.Fields.Select(f => f.Key));
    }

    [Fact]
    public async Task Orders_results_by_measurement_then_canonical_tags_then_time()
    {
        var tenant = NewTenant();
        TagSet[] tagSets =
        [
            TagSet.Empty, TagSet.Create(("a", "1")), TagSet.Create(("a", "1"), ("b", "2")), TagSet.Create(("a", "10")),
            TagSet.Create(("b", "0")), TagSet.Create(("a", "x y")), TagSet.Create(("a", "x-y")), TagSet.Create(("B", "9")),
        ];
        // "🙂" (U+1F642) sorts before "～" (U+FF5E) in UTF-16 code units but after it in UTF-8 bytes.
        string[] measurements = ["cpu", "\uFF5E", "Zeta", "cpu_x", "🙂", "mem"];
        var points = new List<Point>();
        foreach (var measurement in measurements)
        {
            foreach (var tags in tagSets)
            {
                points.Add(new Point(measurement, tags, "f", 1L, 20));
                points.Add(new Point(measurement, tags, "f", 2L, 10));
            }
        }

        var shuffled = points.OrderBy(p => StringComparer.Ordinal.GetHashCode(p.ToString())).ToArray();
        await WriteAsync(tenant, shuffled[..40]);
        await WriteAsync(tenant, shuffled[40..]);

        var read = await ReadAllAsync(tenant);

        var expected = points.OrderBy(p => p, Comparer<Point>.Create(StoreContract.ComparePoints)).ToList();
        Assert.Equal(expected, read);
        Assert.Equal(["Zeta", "cpu", "cpu_x", "mem", "🙂", "\uFF5E"], read.Select(p => p.Measurement).Distinct());
        Assert.Equal(["", "B=9", "a=1", "a=1,b=2", "a=10", "a=x-y", @"a=x\ y", "b=0"], read.Where(p => p.Measurement == "cpu" && p.Timestamp == 10).Select(p => StoreContract.CanonicalTags(p.Tags)));
    }

    // ---- Tenants --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Tenants_never_see_each_others_data_even_for_the_same_series()
    {
        var alice = NewTenant();
        var bob = NewTenant();
        await WriteAsync(alice, new Point("m", HostA, "f", 1L, 100), new Point("only_alice", HostA, "f", 1L, 100));
        await WriteAsync(bob, new Point("m", HostA, "f", 2L, 100), new Point("m", HostA, "g", 9L, 100));

        Assert.Equal([new Point("m", HostA, "f", 1L, 100), new Point("only_alice", HostA, "f", 1L, 100)], await ReadAllAsync(alice));
        Assert.Equal([new Point("m", HostA, [new("f", 2L), new("g", 9L)], 100)], await ReadAllAsync(bob));
    }

    [Fact]
    public async Task A_field_type_in_one_tenant_does_not_constrain_another_tenant()
    {
        var alice = NewTenant();
        var bob = NewTenant();
        await WriteAsync(alice, new Point("m", HostA, "f", 1L, 100));

        var result = await WriteAsync(bob, new Point("m", HostA, "f", "text", 100));

        Assert.True(result.IsComplete);
        Assert.Equal([new Point("m", HostA, "f", "text", 100)], await ReadAllAsync(bob));
    }

    [Fact]
    public async Task Reading_a_tenant_that_never_wrote_returns_nothing()
    {
        Assert.Empty(await ReadAllAsync(NewTenant()));
    }

    // ---- Rejections -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_field_changing_type_is_rejected_while_the_rest_of_the_batch_lands()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, new Point("m", HostA, "f", 1.5, 100));
        var batch = PointBatch.FromPoints(
        [
            new Point("m", HostA, [new("g", 1L), new("f", 2L)], 200),
            new Point("m", TagSet.Create(("host", "b")), "f", "text", 300),
            new Point("m", HostA, "f", 2.5, 400),
        ]);

        var result = await Store.Writer.WriteAsync(tenant, batch);

        Assert.Equal(2, result.Written);
        Assert.Equal([(1, "f"), (2, "f")], result.Rejections.Select(r => (r.Index!.Value, r.Field!)));
        Assert.All(result.Rejections, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        Assert.Equal(
            [new Point("m", HostA, "f", 1.5, 100), new Point("m", HostA, "g", 1L, 200), new Point("m", HostA, "f", 2.5, 400)],
            await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task Within_one_batch_the_first_value_of_a_new_field_fixes_its_type()
    {
        var tenant = NewTenant();

        var result = await WriteAsync(tenant, new Point("m", HostA, "f", true, 1), new Point("m", HostA, "f", 1UL, 2), new Point("m", HostA, "f", false, 3));

        Assert.Equal(2, result.Written);
        Assert.Equal([1], result.Rejections.Select(r => r.Index!.Value));
        Assert.Equal([new Point("m", HostA, "f", true, 1), new Point("m", HostA, "f", false, 3)], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task The_same_field_may_have_different_types_in_different_measurements()
    {
        var tenant = NewTenant();

        var result = await WriteAsync(tenant, new Point("a", HostA, "f", 1L, 1), new Point("b", HostA, "f", "x", 1));

        Assert.True(result.IsComplete);
        Assert.Equal(2, (await ReadAllAsync(tenant)).Count);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public async Task Non_finite_numbers_are_rejected_while_the_rest_of_the_batch_lands(double value)
    {
        var tenant = NewTenant();

        var result = await WriteAsync(tenant, new Point("m", HostA, [new("ok", 1.0), new("bad", value)], 1), new Point("m", HostA, "bad", 2.0, 2));

        Assert.Equal(2, result.Written);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal((1, "bad"), (rejection.Index, rejection.Field));
        Assert.Equal([new Point("m", HostA, "ok", 1.0, 1), new Point("m", HostA, "bad", 2.0, 2)], await ReadAllAsync(tenant));
    }

    // ---- Volume and concurrency -----------------------------------------------------------------------------------

    [Fact]
    public async Task Writes_and_reads_back_a_batch_of_100k_values()
    {
        var tenant = NewTenant();
        var model = new ReferenceStore();
        var batch = new PointBatch(100_000);
        for (var s = 0; s < 10; s++)
        {
            var series = batch.InternSeries(new SeriesKey("bulk", TagSet.Create(("sensor", "s" + s))));
            var temperature = batch.InternField("temperature");
            var count = batch.InternField("count");
            for (var t = 0; t < 5_000; t++)
            {
                batch.Add(series, temperature, 1_700_000_000_000_000_000 + (t * 1_000_000_000L), 20.0 + (t % 100 / 10.0));
                batch.Add(series, count, 1_700_000_000_000_000_000 + (t * 1_000_000_000L), (long)t);
            }
        }

        var expected = model.Write(batch);
        var result = await Store.Writer.WriteAsync(tenant, batch);

        Assert.Equal(100_000, expected.Written);
        Assert.Equal(expected.Written, result.Written);
        Assert.True(result.IsComplete);
        var read = await ReadAllAsync(tenant);
        Assert.Equal(50_000, read.Count);
        Assert.Equal(model.ReadAll(), read);
    }

    [Fact]
    public async Task Concurrent_writers_of_different_and_overlapping_series_lose_nothing()
    {
        var tenant = NewTenant();
        const int Writers = 4;
        const int Batches = 10;
        const int PointsPerBatch = 50;
        var model = new ReferenceStore();
        var batches = new PointBatch[Writers][];
        for (var w = 0; w < Writers; w++)
        {
            batches[w] = new PointBatch[Batches];
            for (var b = 0; b < Batches; b++)
            {
                var batch = batches[w][b] = new PointBatch();
                for (var i = 0; i < PointsPerBatch; i++)
                {
                    var time = (b * PointsPerBatch) + i;
                    batch.Add(new Point("own", TagSet.Create(("writer", "w" + w)), "v", (long)time, time));
                    batch.Add(new Point("shared", HostA, "f" + w, (double)time, time));
                }

                model.Write(batch);
            }
        }

        var results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var written = 0;
            foreach (var batch in batches[w])
            {
                written += (await Store.Writer.WriteAsync(tenant, batch)).Written;
            }

            return written;
        })));

        Assert.All(results, written => Assert.Equal(Batches * PointsPerBatch * 2, written));
        Assert.Equal(model.ReadAll(), await ReadAllAsync(tenant));
    }

    // ---- Cancellation ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_write_with_a_cancelled_token_throws_and_changes_nothing()
    {
        var tenant = NewTenant();
        var before = new Point("m", HostA, "f", 1L, 1);
        await WriteAsync(tenant, before);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.Writer.WriteAsync(tenant, PointBatch.FromPoints([new Point("m", HostA, "f", 2L, 1), new Point("m", HostA, "f", 3L, 2)]), cancellation.Token).AsTask());

        Assert.Equal([before], await ReadAllAsync(tenant));
        var after = new Point("m", HostA, "f", 4L, 3);
        await WriteAsync(tenant, after);
        Assert.Equal([before, after], await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task A_write_cancelled_while_running_lands_whole_or_leaves_the_store_consistent()
    {
        var tenant = NewTenant();
        var model = new ReferenceStore();
        var first = PointBatch.FromPoints([new Point("m", HostA, "f", 1L, -1)]);
        model.Write(first);
        await Store.Writer.WriteAsync(tenant, first);
        var big = new PointBatch(200_000);
        var series = big.InternSeries(new SeriesKey("m", HostA));
        var field = big.InternField("f");
        for (var t = 0; t < 200_000; t++)
        {
            big.Add(series, field, t, (long)t);
        }

        using var cancellation = new CancellationTokenSource();
        var write = Task.Run(async () => await Store.Writer.WriteAsync(tenant, big, cancellation.Token));
        await Task.Delay(5);
        await cancellation.CancelAsync();
        var cancelled = false;
        try
        {
            await write;
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }

        var read = await ReadAllAsync(tenant);
        if (cancelled && Store.AtomicBatches)
        {
            // All or nothing: not one value of the cancelled batch is visible.
            Assert.Equal(model.ReadAll(), read);
        }

        model.Write(big);
        if (!cancelled)
        {
            Assert.Equal(model.ReadAll(), read);
        }

        // Either way, the store still works and a retry lands the batch.
        await Store.Writer.WriteAsync(tenant, big);
        Assert.Equal(model.ReadAll(), await ReadAllAsync(tenant));
    }

    [Fact]
    public async Task A_read_cancelled_while_streaming_throws_OperationCanceledException()
    {
        var tenant = NewTenant();
        await WriteAsync(tenant, Enumerable.Range(0, 100).Select(i => new Point("m", HostA, "f", (long)i, i)).ToArray());
        using var cancellation = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var point in Store.Reader.ReadAsync(tenant, new PointQuery(TimeRange.All), cancellation.Token))
            {
                seen++;
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(1, seen);
    }

    // ---- Outages --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_store_gone_away_throws_a_transient_StoreUnavailableException_and_keeps_its_data()
    {
        var tenant = NewTenant();
        var model = new ReferenceStore();
        var before = PointBatch.FromPoints([new Point("m", HostA, "f", 1L, 1), new Point("m", HostA, "f", 2L, 2)]);
        model.Write(before);
        await Store.Writer.WriteAsync(tenant, before);
        var during = PointBatch.FromPoints(Enumerable.Range(0, 1_000).Select(i => new Point("m", HostA, [new("f", (long)i), new("g", "x")], 2 + i)));

        StoreUnavailableException failure;
        await using (await MakeUnavailableAsync(Store, tenant))
        {
            failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.Writer.WriteAsync(tenant, during).AsTask());
        }

        Assert.True(failure.IsTransient);
        Assert.False(string.IsNullOrWhiteSpace(failure.Message));
        var afterOutage = await ReadAllAsync(tenant);
        if (Store.AtomicBatches)
        {
            Assert.Equal(model.ReadAll(), afterOutage);
        }

        model.Write(during);
        var retry = await Store.Writer.WriteAsync(tenant, during);
        Assert.Equal(during.ValueCount, retry.Written);
        Assert.Equal(model.ReadAll(), await ReadAllAsync(tenant));
    }

    // ---- The reference model --------------------------------------------------------------------------------------

    /// <summary>
    /// For any sequence of batches, a store's write results and its data read back (whole, and through a query)
    /// equal the reference model's. Each operation is one int: series, field, time, kind and value in its bits.
    /// </summary>
    [Property(MaxTest = 40, EndSize = 30)]
    public Property Reading_back_equals_the_reference_model_for_any_sequence_of_writes(int[][] batches, int queryBits) =>
        // FsCheck calls properties synchronously; run the async body on the thread pool, away from xunit's
        // synchronization context, so that blocking on it cannot deadlock a store's own awaits.
        Task.Run(() => MatchesReferenceModelAsync(batches, queryBits)).GetAwaiter().GetResult();

    private async Task<Property> MatchesReferenceModelAsync(int[][] batches, int queryBits)
    {
        var tenant = NewTenant();
        var model = new ReferenceStore();
        foreach (var operations in batches ?? [])
        {
            var batch = new PointBatch();
            foreach (var operation in operations ?? [])
            {
                AddOperation(batch, operation);
            }

            var expected = model.Write(batch);
            var actual = await Store.Writer.WriteAsync(tenant, batch);
            if (actual.Written != expected.Written ||
                !actual.Rejections.Select(r => (r.Index, r.Field)).SequenceEqual(expected.Rejections.Select(r => (r.Index, r.Field))))
            {
                return false.Label($"write result {actual.Written} written, rejected rows [{string.Join(",", actual.Rejections.Select(r => r.Index))}]; expected {expected.Written}, [{string.Join(",", expected.Rejections.Select(r => r.Index))}]");
            }
        }

        var all = await ReadAsync(tenant, new PointQuery(TimeRange.All));
        var query = QueryFrom(queryBits);
        var selected = await ReadAsync(tenant, query);
        return (all.SequenceEqual(model.ReadAll()) && selected.SequenceEqual(model.Read(query)))
            .Label($"read back {all.Count} points, model has {model.ReadAll().Count}; query read {selected.Count}, model {model.Read(query).Count}");
    }

    private static readonly string[] Measurements = ["m", "n"];
    private static readonly TagSet[] TagSets = [TagSet.Empty, HostA, TagSet.Create(("host", "b"), ("room", "1"))];
    private static readonly string[] FieldKeys = ["a", "b", "c"];

    /// <summary>Spreads a small generated int over all 32 bits (FsCheck's ints stay near zero), deterministically.</summary>
    private static int Spread(int value)
    {
        var bits = unchecked((uint)value * 0x9E3779B1u);
        return unchecked((int)(bits ^ (bits >> 15)));
    }

    private static void AddOperation(PointBatch batch, int operation)
    {
        var bits = Spread(operation);
        var measurement = Measurements[bits & 1];
        var tags = TagSets[((bits >> 1) & 3) % TagSets.Length];
        var field = FieldKeys[((bits >> 3) & 3) % FieldKeys.Length];
        var time = (long)((bits >> 5) & 7) - 2;
        var payload = bits >> 12;
        // Mostly each field's usual kind, sometimes another (a type conflict) or a non-finite double.
        FieldValue value = ((bits >> 8) & 15) switch
        {
            < 9 => field switch { "a" => (double)payload / 4, "b" => (long)payload, _ => payload.ToString(CultureInfo.InvariantCulture) },
            9 => (ulong)(uint)payload,
            10 => payload % 2 == 0,
            11 => double.NaN,
            12 => (long)payload,
            13 => (double)payload,
            14 => "s" + payload.ToString(CultureInfo.InvariantCulture),
            _ => -0.0,
        };
        batch.Add(new Point(measurement, tags, field, value, time));
    }

    private static PointQuery QueryFrom(int queryBits)
    {
        var bits = Spread(queryBits);
        var start = (long)(bits & 7) - 3;
        var end = start + ((bits >> 3) & 7);
        return new PointQuery(new TimeRange(start, end))
        {
            Measurement = ((bits >> 6) & 3) switch { 0 => "m", 1 => "n", _ => null },
            TagFilters = ((bits >> 8) & 3) switch { 0 => [new Tag("host", "a")], 1 => [new Tag("room", "1")], _ => [] },
            Fields = ((bits >> 10) & 3) switch { 0 => ["a"], 1 => ["b", "c"], _ => [] },
        };
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    /// <summary>Writes points as one batch.</summary>
    protected async Task<WriteResult> WriteAsync(Tenant tenant, params Point[] points) =>
        await Store.Writer.WriteAsync(tenant, PointBatch.FromPoints(points));

    /// <summary>Reads everything a tenant has.</summary>
    protected Task<List<Point>> ReadAllAsync(Tenant tenant) => ReadAsync(tenant, new PointQuery(TimeRange.All));

    /// <summary>Reads a query's points into a list.</summary>
    protected async Task<List<Point>> ReadAsync(Tenant tenant, PointQuery query)
    {
        var points = new List<Point>();
        await foreach (var point in Store.Reader.ReadAsync(tenant, query))
        {
            points.Add(point);
        }

        return points;
    }
}
