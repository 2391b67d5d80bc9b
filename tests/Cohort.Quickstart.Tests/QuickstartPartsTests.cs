using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Quickstart.Report;
using Cohort.Quickstart.Simulation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Quickstart.Tests;

/// <summary>The quickstart's own pieces, in process: options, the simulated clock, the aggregate, the chart.</summary>
public sealed class QuickstartPartsTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Options_default_to_a_thirty_second_day_of_six_houses()
    {
        Assert.True(QuickstartOptions.TryParse([], out var options, out var error));
        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.Equal(6, options.Houses);
        Assert.Equal("cohort-quickstart", options.OutputDirectory);
    }

    [Theory]
    [InlineData(new[] { "--houses", "0" }, "--houses: '0'")]
    [InlineData(new[] { "--duration", "soon" }, "--duration: 'soon'")]
    [InlineData(new[] { "--out" }, "Option '--out' needs a value.")]
    [InlineData(new[] { "--houses", "2", "--colour", "red" }, "Unknown option '--colour' (argument 3).")]
    public void Bad_options_are_refused_with_what_and_where(string[] args, string expected)
    {
        Assert.False(QuickstartOptions.TryParse(args, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void A_folder_the_quickstart_did_not_make_is_never_emptied()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cohort-quickstart-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var precious = Path.Combine(folder, "thesis.tex");
        File.WriteAllText(precious, "years of work");

        Assert.False(OutputFolder.TryPrepare(folder, out _, out var error));
        Assert.Contains("not empty and was not made by the quickstart", error);
        Assert.True(File.Exists(precious));

        // A folder with the marker (a previous run) is emptied and reused.
        File.WriteAllText(Path.Combine(folder, OutputFolder.Marker), "");
        Assert.True(OutputFolder.TryPrepare(folder, out var full, out _));
        Assert.False(File.Exists(precious));
        Assert.True(File.Exists(Path.Combine(full, OutputFolder.Marker)));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task The_simulated_clock_stands_still_until_started_then_runs_faster_and_scales_delays()
    {
        var clock = new SimulatedClock(Day, speed: 3_600);
        Assert.Equal(Day, clock.GetUtcNow());
        await Task.Delay(50);
        Assert.Equal(Day, clock.GetUtcNow());

        clock.Start();
        var before = clock.GetUtcNow();

        // Ten simulated minutes at 3,600x last about 167 ms of wall time.
        await Task.Delay(TimeSpan.FromMinutes(10), clock);
        var simulated = clock.GetUtcNow() - before;
        Assert.True(simulated >= TimeSpan.FromMinutes(10), $"{simulated}");
        Assert.Equal(TimeSpan.FromSeconds(1), clock.ToWall(TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromHours(1), clock.ToSimulated(TimeSpan.FromSeconds(1)));
        Assert.Equal(Timeout.InfiniteTimeSpan, clock.ToWall(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Hourly_means_skip_missing_values_and_scale()
    {
        var hour = TimeSpan.FromHours(1).Ticks * 100;
        var start = Timestamps.FromDateTimeOffset(Day);
        var series = new TimeSeries(
            new long[] { start, start + (hour / 2), start + hour, start + hour + 1 },
            new[] { 1_000.0, 3_000.0, double.NaN, 500.0 });

        var means = HouseAnalytics.HourlyMeans(series, 1.0 / 1000);

        Assert.Equal(2, means.Count);
        Assert.Equal(2.0, means[start], 9);
        Assert.Equal(0.5, means[start + hour], 9);
    }

    [Property(MaxTest = 50)]
    public void A_district_is_released_only_with_at_least_the_threshold_of_houses(PositiveInt houseCount)
    {
        var n = Math.Min(houseCount.Get, 20);
        var reports = Enumerable.Range(1, n)
            .Select(i => new HouseReport(SimulatedHouses.Id(i), SimulatedHouses.District(i), [], new Dictionary<string, double> { ["pv"] = i, ["grid_import"] = 10.0 * i }))
            .ToList();
        var aggregator = new MeasureAggregator(new MeasureDefinitionSet(CrossHouseAggregate.Measures.Select(static m => m.Definition)));

        var rows = CrossHouseAggregate.Compute(aggregator, reports, Day);

        foreach (var row in rows)
        {
            var members = row.District == MeasureGroup.Wildcard ? n : reports.Count(r => r.District == row.District);
            Assert.Equal(members < CrossHouseAggregate.Threshold, row.Suppressed);
            if (!row.Suppressed)
            {
                Assert.Equal(members, row.Houses);
                var values = reports.Where(r => row.District == MeasureGroup.Wildcard || r.District == row.District)
                    .Select(r => r.DayTotals[row.Measure == "daily-pv-kwh" ? "pv" : "grid_import"]).ToList();
                Assert.Equal(values.Average(), row.Avg!.Value, 6);
                Assert.Equal(values.Min(), row.Min);
            }
            else
            {
                Assert.Null(row.Avg);
                Assert.Null(row.Houses);
            }
        }
    }

    [Fact]
    public void The_chart_is_one_self_contained_page_with_a_line_per_series_broken_at_long_gaps()
    {
        var start = Timestamps.FromDateTimeOffset(Day);
        var hour = TimeSpan.FromHours(1).Ticks * 100;
        var day = new TimeRange(start, start + (24 * hour));
        var pv = new TimeSeries(new[] { start, start + hour, start + (2 * hour), start + (3 * hour) }, new[] { 0.0, 2_000, double.NaN, 1_000 });
        var load = new TimeSeries(new[] { start, start + hour }, new[] { 500.0, 700 });

        var html = DayChart.Render("house <1>", "sub", day, TimeSpan.FromHours(1), [new("PV", "#e6a100", pv), new("load", "#3a6fd8", load)]);

        Assert.Contains("<title>house &lt;1&gt;</title>", html);
        Assert.Equal(3, html.Split("<polyline").Length - 1);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
    }
}
