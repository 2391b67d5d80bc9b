using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Quickstart.Report;

/// <summary>One house's day as a chart: its device fields and its grid analytic, read back from the store.</summary>
internal static class HouseDayChart
{
    public static async Task<string> RenderAsync(AnalyticsRegistry registry, IPointReader store, Tenant house, TimeRange day, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        var alignment = AlignmentPolicy.Resample(interval, ResampleAggregation.Mean);
        (string Label, string Color, string Formula)[] lines =
        [
            ("PV (pv.power)", "#e6a100", "pv.power"),
            ("household load (load.power)", "#3a6fd8", "load.power"),
            ("EV charger (ev.power)", "#8e44ad", "ev.power"),
            ("battery, + charging (battery.power)", "#2e9e5b", "battery.power"),
            ("grid, + import (analytic grid)", "#d0342c", "grid"),
        ];
        var chartLines = new List<DayChart.Line>();
        foreach (var (label, color, formula) in lines)
        {
            var series = await registry.Compile(house, formula).EvaluateAsync(store, house, day, alignment, cancellationToken).ConfigureAwait(false);
            chartLines.Add(new DayChart.Line(label, color, series));
        }

        var date = Timestamps.ToDateTimeOffset(day.Start);
        return DayChart.Render(
            $"{house.Id}, {date:yyyy-MM-dd} (UTC)",
            $"Power in kW, {interval.TotalMinutes:0}-minute means read back from the SQLite store; simulated by the Cohort quickstart.",
            day,
            interval * 4,
            chartLines);
    }
}
