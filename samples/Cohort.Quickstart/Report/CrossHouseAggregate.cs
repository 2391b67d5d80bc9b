using Cohort.Aggregation;

namespace Cohort.Quickstart.Report;

/// <summary>
/// The cross-house aggregate, DACC style: each house contributes one raw measure per day (its energy), grouped by
/// district; an aggregate of fewer houses than the threshold is never released, and the report marks it suppressed.
/// </summary>
internal static class CrossHouseAggregate
{
    public const int Threshold = 3;

    /// <summary>The application that sends the raw measures (DACC's <c>createdBy</c>): one for every house.</summary>
    public const string CreatedBy = "cohort-quickstart";

    /// <summary>The measures, keyed by the house-report column they take their value from.</summary>
    public static readonly IReadOnlyList<(string Column, MeasureDefinition Definition)> Measures =
    [
        ("pv", Define("daily-pv-kwh", "PV energy produced per house and day (kWh)")),
        ("grid_import", Define("daily-grid-import-kwh", "Energy bought from the grid per house and day (kWh)")),
    ];

    private static MeasureDefinition Define(string name, string description) => new(name)
    {
        Description = description,
        Org = "quickstart",
        Group1Key = "district",
        AggregationPeriod = AggregationPeriod.Day,
        AggregationThreshold = Threshold,
        AccessPublic = true,
    };

    /// <summary>Adds each house's day totals, aggregates, and lists every district (and all districts, <c>*</c>) per measure.</summary>
    public static IReadOnlyList<AggregateRow> Compute(MeasureAggregator aggregator, IReadOnlyList<HouseReport> houses, DateTimeOffset day)
    {
        foreach (var (column, definition) in Measures)
        {
            foreach (var house in houses.Where(h => h.DayTotals.ContainsKey(column)))
            {
                var measure = new RawMeasure(definition.Name, Math.Round(house.DayTotals[column], 3), day, CreatedBy)
                {
                    Group1 = new MeasureGroup("district", house.District),
                };
                if (!aggregator.TryAdd(measure, out var rejection))
                {
                    throw new InvalidOperationException($"The raw measure of {house.House} was rejected: {rejection}");
                }
            }
        }

        aggregator.Aggregate();
        var districts = houses.Select(static h => h.District).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rows = new List<AggregateRow>();
        foreach (var (_, definition) in Measures)
        {
            var query = new AggregateQuery(definition.Name, day, day.AddDays(1));
            var released = aggregator.Query(query).Concat(aggregator.Query(query with { WildcardGroups = [1] }))
                .ToDictionary(static r => r.Group1?.Value ?? MeasureGroup.Wildcard, StringComparer.Ordinal);
            foreach (var district in districts.Append(MeasureGroup.Wildcard))
            {
                rows.Add(released.TryGetValue(district, out var r)
                    ? new AggregateRow(definition.Name, day, district, Suppressed: false, r.Count, r.Avg, r.Min, r.Max)
                    : new AggregateRow(definition.Name, day, district, Suppressed: true, null, null, null, null));
            }
        }

        return rows;
    }
}
