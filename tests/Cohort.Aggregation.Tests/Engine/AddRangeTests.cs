using Microsoft.Extensions.Time.Testing;
using static Cohort.Aggregation.Tests.Engine.Measures;

namespace Cohort.Aggregation.Tests.Engine;

public class AddRangeTests
{
    private static readonly MeasureDefinitionSet Definitions = new([
        new MeasureDefinition("a") { Org = "cozy", Group1Key = "device", AggregationThreshold = 1, Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles },
        new MeasureDefinition("b") { Org = "cozy", AggregationThreshold = 1 },
    ]);

    private static RawMeasure?[] Mixed() =>
    [
        M("a", 1, "2021-05-01", "app", ("device", "d1")),
        M("a", 2, "2021-05-01", "app", ("device", "d1")),
        M("b", 3, "2021-05-01"),
        null,
        M("a", 4, "2021-05-01", "app", ("dev", "d1")), // wrong group key
        M("a", 5, "2021-05-01", "app"), // missing group
        M("b", 6, "2021-05-01", "app", ("device", "d1")), // group the definition does not have
        M("c", 7, "2021-05-01"), // unknown measure
        M("a", double.NaN, "2021-05-01", "app", ("device", "d1")),
        M("a", 8, "2021-05-01", "", ("device", "d1")),
        M("a", 9, "2021-05-02", "app", ("device", new string(['d', '1']))), // same group value, another string instance
        M("b", 10, "2021-05-01"),
    ];

    public static TheoryData<string> Shapes => ["array", "list", "enumerable"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Arrays_lists_and_enumerables_are_validated_and_kept_alike(string shape)
    {
        var measures = Mixed();
        IEnumerable<RawMeasure> input = shape switch
        {
            "array" => measures!,
            "list" => measures.ToList()!,
            _ => measures.Select(m => m!),
        };
        var engine = new MeasureAggregator(Definitions, new FakeTimeProvider(Date("2022-01-01")));

        var result = engine.AddRange(input);

        Assert.Equal(5, result.Written);
        Assert.Equal([3, 4, 5, 6, 7, 8, 9], result.Rejections.Select(r => r.Index!.Value));
        Assert.Equal([null, "group1", "group1", "group1", "measureName", "value", "createdBy"], result.Rejections.Select(r => r.Field));
        engine.Aggregate();
        var a = engine.Query(Query("a"));
        Assert.Equal([2L, 1L], a.Select(r => r.Count));
        Assert.Equal([1.5, 9], a.Select(r => r.Median!.Value));
        Assert.All(a, r => Assert.Equal("d1", r.Group1!.Value.Value));
        Assert.Equal(13, Assert.Single(engine.Query(Query("b"))).Sum);
    }
}
