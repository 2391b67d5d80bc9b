using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Quickstart.Report;

/// <summary>
/// Reads one house's day back: device fields from the hourly rollups (<see cref="InProcessRollupEngine"/>, real-time
/// view) and the named analytics evaluated over the store, both turned into energy per hour (mean W over an hour = Wh).
/// </summary>
internal sealed class HouseAnalytics(AnalyticsRegistry registry, InProcessRollupEngine rollups, IPointReader store, TimeSpan sampleInterval)
{
    /// <summary>Device fields shown from the rollups, by column name.</summary>
    public static readonly IReadOnlyList<(string Column, FieldReference Field)> RolledUp =
    [
        ("pv", new FieldReference("pv", "power")),
        ("load", new FieldReference("load", "power")),
        ("ev", new FieldReference("ev", "power")),
    ];

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public async Task<HouseReport> ReadAsync(Tenant house, string district, TimeRange day, CancellationToken cancellationToken = default)
    {
        var columns = new List<(string Name, Dictionary<long, double> ByHour)>();
        foreach (var (column, field) in RolledUp)
        {
            var buckets = await rollups.QueryAsync(new RollupDefinition(house, field, Hour), day, cancellationToken).ConfigureAwait(false);
            columns.Add((column, buckets.Where(static b => b.Count > 0).ToDictionary(static b => b.Start, static b => b.Avg / 1000)));
        }

        var alignment = AlignmentPolicy.Resample(sampleInterval, ResampleAggregation.Mean);
        foreach (var analytic in registry.List(house))
        {
            var series = await registry.EvaluateAsync(house, analytic.Name, store, day, alignment, cancellationToken).ConfigureAwait(false);
            columns.Add((analytic.Name, HourlyMeans(series, 1.0 / 1000)));
        }

        var hours = columns.SelectMany(static c => c.ByHour.Keys).Distinct().Order()
            .Select(start => new HourRow(
                Timestamps.ToDateTimeOffset(start),
                columns.ToDictionary(static c => c.Name, c => c.ByHour.TryGetValue(start, out var kwh) ? kwh : (double?)null)))
            .ToList();
        var totals = columns.ToDictionary(static c => c.Name, static c => c.ByHour.Values.Sum());
        return new HouseReport(house.Id, district, hours, totals);
    }

    /// <summary>The mean of each hour's present values (NaN is missing), times <paramref name="scale"/>, keyed by the hour's start (Unix ns).</summary>
    public static Dictionary<long, double> HourlyMeans(TimeSeries series, double scale)
    {
        var hourNs = Hour.Ticks * 100;
        var sums = new Dictionary<long, (double Sum, int Count)>();
        var timestamps = series.Timestamps.Span;
        var values = series.Values.Span;
        for (var i = 0; i < series.Count; i++)
        {
            if (double.IsNaN(values[i]))
            {
                continue;
            }

            var hour = timestamps[i] - (((timestamps[i] % hourNs) + hourNs) % hourNs);
            var (sum, count) = sums.GetValueOrDefault(hour);
            sums[hour] = (sum + values[i], count + 1);
        }

        return sums.ToDictionary(static p => p.Key, p => p.Value.Sum / p.Value.Count * scale);
    }
}
