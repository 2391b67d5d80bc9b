using Cohort.Aggregation;

namespace Cohort.Aggregation.Tests;

public class ReadmeSnippetTests
{
    [Fact]
    public void The_package_readme_snippet_prints_what_it_says()
    {
        var definitions = MeasureDefinitionSet.Parse("""
            {"definitions": [{"name": "connection-count-daily", "org": "cozy", "group1Key": "device",
                              "aggregationThreshold": 2, "withQuartiles": true}]}
            """);
        var engine = new MeasureAggregator(definitions);
        var errors = new List<RawMeasureError>();
        foreach (var line in new[]
        {
            """{"measureName": "connection-count-daily", "value": 5, "startDate": "2021-05-01", "createdBy": "ecolyo", "group1": {"device": "mobile"}}""",
            """{"measureName": "connection-count-daily", "value": 3, "startDate": "2021-05-01", "createdBy": "ecolyo", "group1": {"device": "mobile"}}""",
            """{"measureName": "connection-count-daily", "value": null, "startDate": "2021-05-01", "createdBy": "ecolyo"}""",
        })
        {
            var result = RawMeasureJson.Parse(line, definitions);
            if (result.IsValid)
            {
                engine.TryAdd(result.Measure, out _);
            }
            else
            {
                errors.Add(result.Error);
            }
        }

        engine.Aggregate();
        var aggregates = engine.Query(new AggregateQuery("connection-count-daily",
            new DateTimeOffset(2021, 5, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2021, 6, 1, 0, 0, 0, TimeSpan.Zero)) { Organisation = "cozy" });

        Assert.Equal([RawMeasureError.MissingValue], errors);
        Assert.Equal(
            """[{"measureName":"connection-count-daily","startDate":"2021-05-01T00:00:00Z","createdBy":"ecolyo","group1":{"device":"mobile"},"count":2,"countNotZero":2,"sum":8,"min":3,"max":5,"avg":4,"std":1.4142135623730951,"median":4,"firstQuartile":3.5,"thirdQuartile":4.5}]""",
            AggregateJson.Serialize(aggregates));
    }
}
