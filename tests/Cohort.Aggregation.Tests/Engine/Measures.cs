using System.Globalization;
using Cohort.Aggregation;

namespace Cohort.Aggregation.Tests.Engine;

/// <summary>Builders for raw measures in tests.</summary>
internal static class Measures
{
    public static DateTimeOffset Date(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public static RawMeasure M(string name, double value, string date, string createdBy = "ecolyo", params (string Key, string Value)[] groups) =>
        new(name, value, Date(date), createdBy)
        {
            Group1 = groups.Length > 0 ? new MeasureGroup(groups[0].Key, groups[0].Value) : null,
            Group2 = groups.Length > 1 ? new MeasureGroup(groups[1].Key, groups[1].Value) : null,
            Group3 = groups.Length > 2 ? new MeasureGroup(groups[2].Key, groups[2].Value) : null,
        };

    public static void AddAll(this MeasureAggregator aggregator, params RawMeasure[] measures)
    {
        var result = aggregator.AddRange(measures);
        Assert.True(result.IsComplete, string.Join("; ", result.Rejections));
    }

    public static AggregateQuery Query(string name, string start = "2000-01-01", string end = "2100-01-01") => new(name, Date(start), Date(end)) { Organisation = "cozy" };
}
