using Cohort.Aggregation;
using Microsoft.Extensions.Time.Testing;
using static Cohort.Aggregation.Tests.Engine.Measures;

namespace Cohort.Aggregation.Tests.Engine;

/// <summary>The worked examples of DACC's public test suite, re-expressed against the in-process engine.</summary>
public class DaccWorkedExamplesTests
{
    private readonly FakeTimeProvider _time = new(Date("2022-01-10"));

    private MeasureAggregator Engine(params MeasureDefinition[] definitions) => new(new MeasureDefinitionSet(definitions), _time);

    [Fact]
    public void Daily_connection_counts_with_quartiles()
    {
        // DACC's raw_measures.sql fixture for connection-count-daily, threshold lowered to 2.
        var engine = Engine(new MeasureDefinition("connection-count-daily") { Org = "cozy", Group1Key = "device", AggregationThreshold = 2, Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles });
        engine.AddAll(
            M("connection-count-daily", 5, "2021-05-01", "ecolyo", ("device", "mobile")),
            M("connection-count-daily", 3, "2021-05-01", "ecolyo", ("device", "mobile")),
            M("connection-count-daily", 15, "2021-05-01", "ecolyo", ("device", "desktop")),
            M("connection-count-daily", 1, "2021-05-02", "ecolyo", ("device", "mobile")),
            M("connection-count-daily", 5, "2021-05-02", "ecolyo", ("device", "mobile")));
        engine.Aggregate();

        var results = engine.Query(Query("connection-count-daily"));

        Assert.Equal(2, results.Count);
        var first = results[0];
        Assert.Equal(Date("2021-05-01"), first.StartDate);
        Assert.Equal(new MeasureGroup("device", "mobile"), first.Group1);
        Assert.Equal(2, first.Count);
        Assert.Equal(2, first.CountNotZero);
        Assert.Equal(8, first.Sum);
        Assert.Equal(3, first.Min);
        Assert.Equal(5, first.Max);
        Assert.Equal(4, first.Avg);
        Assert.Equal(Math.Sqrt(2), first.Std!.Value, 12);
        Assert.Equal(4, first.Median);
        Assert.Equal(3.5, first.FirstQuartile);
        Assert.Equal(4.5, first.ThirdQuartile);
        Assert.Equal(Date("2021-05-02"), results[1].StartDate);
        Assert.Equal(3, results[1].Median);
        Assert.DoesNotContain(results, r => r.Group1?.Value == "desktop");
    }

    [Fact]
    public void New_values_merge_into_existing_groups()
    {
        // DACC's test_compute_partial_aggregates: [5, 10, 10, 15] then [0, 6, 20] for the same day.
        var engine = Engine(new MeasureDefinition("connection-count-daily") { Org = "cozy", AggregationThreshold = 1, Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles });
        engine.AddAll([.. new double[] { 5, 10, 10, 15 }.Select(v => M("connection-count-daily", v, "2021-05-01"))]);
        Assert.Equal(4, engine.Aggregate());
        engine.AddAll([.. new double[] { 0, 6, 20 }.Select(v => M("connection-count-daily", v, "2021-05-01T12:00:00"))]);
        Assert.Equal(3, engine.Aggregate());

        var r = Assert.Single(engine.Query(Query("connection-count-daily")));

        double[] all = [5, 10, 10, 15, 0, 6, 20];
        var mean = all.Average();
        Assert.Equal(7, r.Count);
        Assert.Equal(6, r.CountNotZero);
        Assert.Equal(66, r.Sum);
        Assert.Equal(0, r.Min);
        Assert.Equal(20, r.Max);
        Assert.Equal(mean, r.Avg!.Value, 12);
        Assert.Equal(Math.Sqrt(all.Sum(x => (x - mean) * (x - mean)) / 6), r.Std!.Value, 12);
        Assert.Equal(10, r.Median);
        Assert.Equal(5.5, r.FirstQuartile);
        Assert.Equal(12.5, r.ThirdQuartile);
        Assert.Equal(1, engine.GetStatus("connection-count-daily").GroupCount);
    }

    [Fact]
    public void Threshold_and_date_bounds_follow_DACC_restitution()
    {
        // DACC's test_restitute_aggregated_results, threshold 5, May 2021 queried.
        var engine = Engine(new MeasureDefinition("dummy-restitute") { Org = "cozy", Group1Key = "key1", Group2Key = "key2", Group3Key = "key3" });
        void Insert(int n, string date, string app = "ecolyo")
        {
            engine.AddAll([.. Enumerable.Range(0, n).Select(i => M("dummy-restitute", i, date, app, ("key1", "1"), ("key2", "2"), ("key3", "3")))]);
            engine.Aggregate();
        }

        var query = Query("dummy-restitute", "2021-05-01", "2021-06-01");
        Insert(10, "2021-05-01");
        var res = engine.Query(query);
        Assert.Equal(10, Assert.Single(res).Count);

        Insert(4, "2021-05-02");
        Assert.Single(engine.Query(query));

        Insert(1, "2021-05-02");
        res = engine.Query(query);
        Assert.Equal(2, res.Count);
        Assert.Equal(Date("2021-05-02"), res[1].StartDate);
        Assert.Equal(5, res[1].Count);

        Insert(10, "2021-04-30");
        Insert(10, "2021-06-01");
        Assert.Equal(2, engine.Query(query).Count);

        Insert(10, "2021-05-01T00:00:00");
        Insert(10, "2021-05-30T23:59:59");
        res = engine.Query(query);
        Assert.Equal([20L, 5L, 10L], res.Select(r => r.Count));

        Insert(10, "2021-05-01", "ecolyoyo");
        res = engine.Query(query with { CreatedBy = "ecolyoyo" });
        Assert.Equal(10, Assert.Single(res).Count);
    }

    [Fact]
    public void Wildcard_aggregates_merge_every_value_of_the_chosen_groups()
    {
        // DACC's konnector-event-daily fixture: enedis success, grdf success twice, enedis error.
        var engine = Engine(new MeasureDefinition("konnector-event-daily") { Org = "cozy", Group1Key = "slug", Group2Key = "event_type", Group3Key = "status", AggregationThreshold = 1, Statistics = MeasureStatistics.Basic | MeasureStatistics.Median });
        engine.AddAll(
            M("konnector-event-daily", 1, "2021-05-01", "ecolyo", ("slug", "enedis"), ("event_type", "connexion"), ("status", "success")),
            M("konnector-event-daily", 2, "2021-05-01", "ecolyo", ("slug", "grdf"), ("event_type", "connexion"), ("status", "success")),
            M("konnector-event-daily", 4, "2021-05-01", "ecolyo", ("slug", "grdf"), ("event_type", "connexion"), ("status", "success")),
            M("konnector-event-daily", 8, "2021-05-01", "ecolyo", ("slug", "enedis"), ("event_type", "connexion"), ("status", "error")));
        engine.Aggregate();

        Assert.Equal(3, engine.Query(Query("konnector-event-daily")).Count);

        var bySlug = engine.Query(Query("konnector-event-daily") with { WildcardGroups = [1] });
        Assert.Equal(2, bySlug.Count);
        var success = Assert.Single(bySlug, r => r.Group3!.Value.Value == "success");
        Assert.Equal(new MeasureGroup("slug", "*"), success.Group1);
        Assert.Equal(3, success.Count);
        Assert.Equal(7, success.Sum);
        Assert.Equal(2, success.Median);

        var everything = Assert.Single(engine.Query(Query("konnector-event-daily") with { WildcardGroups = [1, 2, 3] }));
        Assert.Equal(4, everything.Count);
        Assert.Equal(15, everything.Sum);
        Assert.Equal(1, everything.Min);
        Assert.Equal(8, everything.Max);
        Assert.Equal(3, everything.Median);
        Assert.Equal("*", everything.Group2!.Value.Value);
    }

    [Fact]
    public void Wildcard_aggregates_are_thresholded_after_merging()
    {
        var engine = Engine(new MeasureDefinition("m") { Org = "cozy", Group1Key = "g", AggregationThreshold = 3 });
        engine.AddAll(
            M("m", 1, "2021-05-01", "a", ("g", "x")),
            M("m", 1, "2021-05-01", "a", ("g", "x")),
            M("m", 1, "2021-05-01", "a", ("g", "y")));
        engine.Aggregate();

        Assert.Empty(engine.Query(Query("m")));
        Assert.Equal(3, Assert.Single(engine.Query(Query("m") with { WildcardGroups = [1] })).Count);
    }

    [Fact]
    public void Purge_follows_DACC_safeguards()
    {
        // DACC's test_purge_measures, with arrival times from a fake clock.
        MeasureDefinition Def(string name) => new(name) { Org = "cozy", Group1Key = "key1", Group2Key = "key2", Group3Key = "key3", AggregationThreshold = 2 };
        var engine = Engine(Def("dummy1"), Def("dummy2"), Def("dummy3"));
        void Insert(int n, string name)
        {
            for (var i = 0; i < n; i++)
            {
                engine.AddAll(M(name, i, "2022-01-01", "dummy-app", ("key1", "1"), ("key2", "2"), ("key3", "3")));
                _time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        Insert(10, "dummy1");
        var halfway = _time.GetUtcNow();
        Insert(20, "dummy2");
        Insert(5, "dummy3");
        engine.Aggregate("dummy1");
        engine.Aggregate("dummy2");
        var purgeDate = _time.GetUtcNow();

        // Purge everything up to now.
        Assert.Equal(10, engine.Purge("dummy1", purgeDate).Purged);
        Assert.Equal(0, engine.GetStatus("dummy1").RawCount);

        // Purge half of the measures by arrival date.
        var tenth = halfway.AddSeconds(9);
        Assert.Equal(10, engine.Purge("dummy2", tenth).Purged);
        Assert.Equal(10, engine.GetStatus("dummy2").RawCount);

        // Never aggregated: nothing is purged.
        var skipped = engine.Purge("dummy3", purgeDate);
        Assert.Equal(0, skipped.Purged);
        Assert.NotNull(skipped.SkippedReason);
        Assert.Equal(5, engine.GetStatus("dummy3").RawCount);

        // A purge that would reach raw measures not aggregated yet is refused.
        engine.Aggregate("dummy3");
        _time.Advance(TimeSpan.FromSeconds(1));
        Insert(10, "dummy3");
        var refused = engine.Purge("dummy3", _time.GetUtcNow());
        Assert.Contains("not aggregated", refused.SkippedReason, StringComparison.Ordinal);
        Assert.Equal(15, engine.GetStatus("dummy3").RawCount);

        // Up to the old date, only the aggregated ones go; the new ones stay.
        Assert.Equal(5, engine.Purge("dummy3", purgeDate).Purged);
        Assert.Equal(10, engine.GetStatus("dummy3").PendingCount);

        // The aggregates are untouched by purges.
        engine.Aggregate();
        Assert.Equal(15, Assert.Single(engine.Query(Query("dummy3"))).Count);
    }

    [Fact]
    public void Purge_keeps_raw_measures_of_quartile_measures_for_max_days_to_update_quartile()
    {
        // DACC's test_purge_measures_with_quartiles: retention 90 days, quartiles kept 100 days.
        var engine = Engine(
            new MeasureDefinition("dummy_quartiles") { Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles, AccessPublic = true, AggregationThreshold = 2 },
            new MeasureDefinition("dummy_not_quartiles") { AccessPublic = true, AggregationThreshold = 2 });
        engine.AddAll([.. Enumerable.Range(0, 20).Select(i => M("dummy_quartiles", i, "2022-01-01"))]);
        engine.AddAll([.. Enumerable.Range(0, 20).Select(i => M("dummy_not_quartiles", i, "2022-01-01"))]);
        engine.Aggregate();

        Assert.Equal(0, engine.Purge("dummy_quartiles").Purged);
        Assert.Equal(0, engine.Purge("dummy_not_quartiles").Purged);

        _time.Advance(TimeSpan.FromDays(95));
        Assert.Equal(0, engine.Purge("dummy_quartiles").Purged);
        Assert.Equal(20, engine.Purge("dummy_not_quartiles").Purged);

        _time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(20, engine.Purge("dummy_quartiles").Purged);

        // Exact quartiles survive the purge: the aggregate state keeps its values.
        var r = Assert.Single(engine.Query(new AggregateQuery("dummy_quartiles", Date("2022-01-01"), Date("2022-01-02"))));
        Assert.Equal(9.5, r.Median);
        Assert.Equal(4.75, r.FirstQuartile);
    }
}
