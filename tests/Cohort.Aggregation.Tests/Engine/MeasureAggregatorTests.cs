using System.Text.Json;
using Cohort.Aggregation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using static Cohort.Aggregation.Tests.Engine.Measures;

namespace Cohort.Aggregation.Tests.Engine;

public class MeasureAggregatorTests
{
    private static MeasureAggregator Engine(params MeasureDefinition[] definitions) =>
        new(new MeasureDefinitionSet(definitions), new FakeTimeProvider(Date("2022-01-10")));

    private static MeasureDefinition Def(string name, AggregationPeriod period = AggregationPeriod.Day, string? zone = null) =>
        new(name) { Org = "cozy", AggregationPeriod = period, TimeZone = zone, AggregationThreshold = 1 };

    [Theory]
    [InlineData(AggregationPeriod.Hour, null, "2021-05-05T13:47:12Z", "2021-05-05T13:00:00+00:00")]
    [InlineData(AggregationPeriod.Day, null, "2021-05-05T23:59:59Z", "2021-05-05T00:00:00+00:00")]
    [InlineData(AggregationPeriod.Week, null, "2021-05-09T23:00:00Z", "2021-05-03T00:00:00+00:00")]
    [InlineData(AggregationPeriod.Week, null, "2021-05-10T00:00:00Z", "2021-05-10T00:00:00+00:00")]
    [InlineData(AggregationPeriod.Month, null, "2021-05-31T23:59:59Z", "2021-05-01T00:00:00+00:00")]
    [InlineData(AggregationPeriod.Day, "Europe/Paris", "2021-05-01T22:30:00Z", "2021-05-02T00:00:00+02:00")]
    [InlineData(AggregationPeriod.Day, "Europe/Paris", "2021-03-28T12:00:00Z", "2021-03-28T00:00:00+01:00")]
    [InlineData(AggregationPeriod.Month, "Europe/Paris", "2021-10-31T23:30:00Z", "2021-11-01T00:00:00+01:00")]
    [InlineData(AggregationPeriod.Week, "America/New_York", "2021-05-03T03:00:00Z", "2021-04-26T00:00:00-04:00")]
    [InlineData(AggregationPeriod.Hour, "Asia/Kolkata", "2021-05-05T13:47:12Z", "2021-05-05T19:00:00+05:30")]
    [InlineData(AggregationPeriod.Day, "America/Santiago", "2022-09-11T12:00:00Z", "2022-09-11T01:00:00-03:00")]
    public void Buckets_follow_the_calendar_of_the_measure_time_zone(AggregationPeriod period, string? zone, string instant, string expectedStart)
    {
        var engine = Engine(Def("m", period, zone));
        engine.AddAll(new RawMeasure("m", 1, DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), "app"));
        engine.Aggregate();

        var r = Assert.Single(engine.Query(Query("m")));

        var expected = DateTimeOffset.Parse(expectedStart, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, r.StartDate);
        Assert.Equal(expected.Offset, r.StartDate.Offset);
    }

    [Fact]
    public void Start_is_inclusive_and_end_exclusive()
    {
        var engine = Engine(Def("m"));
        engine.AddAll(M("m", 1, "2021-05-01"), M("m", 1, "2021-05-02"), M("m", 1, "2021-05-03"));
        engine.Aggregate();

        var results = engine.Query(Query("m", "2021-05-02", "2021-05-03"));

        Assert.Equal(Date("2021-05-02"), Assert.Single(results).StartDate);
    }

    [Fact]
    public void Unaggregated_raw_measures_are_not_released_until_aggregated()
    {
        var engine = Engine(Def("m"));
        engine.AddAll(M("m", 1, "2021-05-01"));

        Assert.Empty(engine.Query(Query("m")));
        Assert.Equal(1, engine.GetStatus("m").PendingCount);
        engine.Aggregate();
        Assert.Single(engine.Query(Query("m")));
    }

    [Fact]
    public void Invalid_raw_measures_are_rejected_with_their_index_and_the_rest_kept()
    {
        var engine = Engine(Def("m"));

        var result = engine.AddRange([M("m", 1, "2021-05-01"), M("nope", 1, "2021-05-01"), M("m", double.PositiveInfinity, "2021-05-01")]);

        Assert.Equal(1, result.Written);
        Assert.Equal([1, 2], result.Rejections.Select(r => r.Index!.Value));
        Assert.False(engine.TryAdd(M("m", double.NaN, "2021-05-01"), out var rejection));
        Assert.Equal("value", rejection.Field);
    }

    [Fact]
    public void A_query_for_a_measure_the_organisation_may_not_read_is_refused()
    {
        var engine = Engine(new MeasureDefinition("m") { Org = "owner", AccessOrgs = ["friend"], AggregationThreshold = 1 }, new MeasureDefinition("closed") { Org = "owner", AccessApp = false });
        engine.AddAll(M("m", 1, "2021-05-01"));
        engine.Aggregate();

        Assert.Single(engine.Query(Query("m") with { Organisation = "owner" }));
        Assert.Single(engine.Query(Query("m") with { Organisation = "friend" }));
        Assert.Throws<MeasureAccessDeniedException>(() => engine.Query(Query("m") with { Organisation = "stranger" }));
        Assert.Throws<MeasureAccessDeniedException>(() => engine.Query(Query("m") with { Organisation = null }));
        Assert.Throws<MeasureAccessDeniedException>(() => engine.Query(Query("closed") with { Organisation = "owner" }));
    }

    [Fact]
    public void Unknown_measures_and_wildcards_of_missing_groups_are_refused()
    {
        var engine = Engine(Def("m") with { Group1Key = "g" });

        Assert.Throws<UnknownMeasureException>(() => engine.Query(Query("nope")));
        Assert.Throws<UnknownMeasureException>(() => engine.Purge("nope"));
        Assert.Throws<ArgumentException>(() => engine.Query(Query("m") with { WildcardGroups = [2] }));
    }

    [Fact]
    public void Only_the_requested_statistics_are_released_and_serialised()
    {
        var engine = Engine(Def("m") with { Statistics = MeasureStatistics.Count | MeasureStatistics.Avg | MeasureStatistics.Median, Percentiles = [0.9] });
        engine.AddAll(M("m", 1, "2021-05-01"), M("m", 3, "2021-05-01"));
        engine.Aggregate();

        var r = Assert.Single(engine.Query(Query("m")));

        Assert.Null(r.Sum);
        Assert.Null(r.Std);
        Assert.Null(r.FirstQuartile);
        Assert.Equal(2, r.Avg);
        Assert.Equal(2, r.Median);
        Assert.Equal(2.8, r.Percentiles.Single().Value, 12);
        using var json = JsonDocument.Parse(AggregateJson.Serialize([r]));
        var names = json.RootElement[0].EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["measureName", "startDate", "createdBy", "count", "avg", "median", "percentiles"], names);
    }

    [Fact]
    public async Task Serialises_the_JSON_array_of_DACC_aggregate_with_camelCase_keys()
    {
        var engine = Engine(Def("m") with { Group1Key = "device", Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles });
        engine.AddAll(M("m", 0, "2021-05-01", "ecolyo", ("device", "mobile")), M("m", 4, "2021-05-01", "ecolyo", ("device", "mobile")));
        engine.Aggregate();
        using var stream = new MemoryStream();

        await AggregateJson.WriteAsync(stream, engine.Query(Query("m")));

        using var json = JsonDocument.Parse(stream.ToArray());
        var r = Assert.Single(json.RootElement.EnumerateArray().ToArray());
        Assert.Equal("m", r.GetProperty("measureName").GetString());
        Assert.Equal("2021-05-01T00:00:00Z", r.GetProperty("startDate").GetString());
        Assert.Equal("ecolyo", r.GetProperty("createdBy").GetString());
        Assert.Equal("mobile", r.GetProperty("group1").GetProperty("device").GetString());
        Assert.Equal(2, r.GetProperty("count").GetInt64());
        Assert.Equal(1, r.GetProperty("countNotZero").GetInt64());
        Assert.Equal(4, r.GetProperty("sum").GetDouble());
        Assert.Equal(0, r.GetProperty("min").GetDouble());
        Assert.Equal(4, r.GetProperty("max").GetDouble());
        Assert.Equal(2, r.GetProperty("avg").GetDouble());
        Assert.Equal(Math.Sqrt(8), r.GetProperty("std").GetDouble(), 12);
        Assert.Equal(2, r.GetProperty("median").GetDouble());
        Assert.Equal(1, r.GetProperty("firstQuartile").GetDouble());
        Assert.Equal(3, r.GetProperty("thirdQuartile").GetDouble());
        Assert.False(r.TryGetProperty("group2", out _));
    }

    [Fact]
    public void Sketch_quantiles_stay_within_their_relative_accuracy()
    {
        var engine = Engine(Def("m") with { Statistics = MeasureStatistics.Quartiles, QuantileMode = QuantileMode.Sketch, SketchRelativeAccuracy = 0.01 });
        engine.AddAll([.. Enumerable.Range(1, 1001).Select(i => M("m", i, "2021-05-01"))]);
        engine.Aggregate();

        var r = Assert.Single(engine.Query(Query("m")));

        Assert.InRange(r.Median!.Value, 501 * 0.99, 501 * 1.01);
        Assert.InRange(r.FirstQuartile!.Value, 251 * 0.99, 251 * 1.01);
        Assert.InRange(r.ThirdQuartile!.Value, 751 * 0.99, 751 * 1.01);
    }

    public static Arbitrary<RawMeasure[]> RawMeasures() =>
        Gen.Choose(0, 60)
            .SelectMany(n => Gen.ArrayOf(
                Gen.Choose(0, 3).SelectMany(day => Gen.Choose(0, 2).SelectMany(g => Gen.Choose(-20, 20).SelectMany(v => Gen.Elements("a", "b").Select(app =>
                    M("m", v / 2.0, $"2021-05-0{day + 1}", app, ("g1", "x" + g), ("g2", g % 2 == 0 ? "even" : "odd")))))),
                n))
            .ToArbitrary();

    [Property(MaxTest = 100, Arbitrary = [typeof(MeasureAggregatorTests)])]
    public Property Nothing_below_the_threshold_is_ever_returned(RawMeasure[] measures, PositiveInt threshold, bool wildcard1, bool wildcard2)
    {
        var t = (threshold.Get % 8) + 1;
        var engine = Engine(new MeasureDefinition("m") { Org = "cozy", Group1Key = "g1", Group2Key = "g2", AggregationThreshold = t });
        engine.AddAll(measures);
        engine.Aggregate();
        int[] wildcards = [.. new[] { (wildcard1, 1), (wildcard2, 2) }.Where(w => w.Item1).Select(w => w.Item2)];

        var results = engine.Query(Query("m") with { WildcardGroups = [.. wildcards] });

        var expected = measures
            .GroupBy(m => (m.StartDate, m.CreatedBy, G1: wildcard1 ? "*" : m.Group1!.Value.Value, G2: wildcard2 ? "*" : m.Group2!.Value.Value))
            .Where(g => g.Count() >= t)
            .Select(g => (g.Key.StartDate, g.Key.CreatedBy, g.Key.G1, g.Key.G2, (long)g.Count()))
            .Order()
            .ToArray();
        var actual = results.Select(r => (r.StartDate, r.CreatedBy, r.Group1!.Value.Value, r.Group2!.Value.Value, r.Count)).Order().ToArray();
        return (results.All(r => r.Count >= t) && expected.SequenceEqual(actual)).ToProperty();
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(MeasureAggregatorTests)])]
    public Property Aggregating_in_any_number_of_runs_equals_aggregating_once(RawMeasure[] measures, int[] cuts)
    {
        MeasureDefinition d = new("m") { Org = "cozy", Group1Key = "g1", Group2Key = "g2", AggregationThreshold = 1, Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles };
        var once = Engine(d);
        once.AddAll(measures);
        once.Aggregate();
        var incremental = Engine(d);
        var points = cuts.Select(c => (int)((uint)c % (measures.Length + 1))).Append(measures.Length).Order().ToArray();
        var from = 0;
        foreach (var to in points)
        {
            incremental.AddAll(measures[from..Math.Max(from, to)]);
            incremental.Aggregate();
            from = Math.Max(from, to);
        }

        var a = once.Query(Query("m") with { WildcardGroups = [2] });
        var b = incremental.Query(Query("m") with { WildcardGroups = [2] });
        static bool Close(double? x, double? y) => Math.Abs(x!.Value - y!.Value) <= 1e-9 * Math.Max(1, Math.Abs(x.Value));
        return (a.Count == b.Count && a.Zip(b).All(p =>
            p.First.Count == p.Second.Count && p.First.StartDate == p.Second.StartDate && p.First.Group1 == p.Second.Group1
            && Close(p.First.Sum, p.Second.Sum) && Close(p.First.Avg, p.Second.Avg) && Close(p.First.Std, p.Second.Std)
            && p.First.Min == p.Second.Min && p.First.Max == p.Second.Max
            && p.First.Median == p.Second.Median && p.First.ThirdQuartile == p.Second.ThirdQuartile)).ToProperty();
    }
}
