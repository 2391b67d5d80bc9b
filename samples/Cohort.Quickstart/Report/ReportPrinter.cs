using System.Globalization;

namespace Cohort.Quickstart.Report;

/// <summary>Prints the end-of-run report: counts, per-house analytics, the cross-house aggregate and where the data is.</summary>
internal static class ReportPrinter
{
    /// <summary>The columns of the per-house tables, in order, with what they are.</summary>
    public static readonly IReadOnlyList<(string Column, string Meaning)> Columns =
    [
        ("pv", "PV production (hourly rollup of pv.power)"),
        ("load", "household load (hourly rollup of load.power)"),
        ("ev", "EV charging (hourly rollup of ev.power)"),
        ("battery_charging", "analytic pos(battery.power)"),
        ("net_load", "analytic load.power - pv.power"),
        ("grid_import", "analytic pos(grid), grid = net_load + ev.power + battery.power"),
    ];

    public const int LastHours = 4;

    public static void Print(TextWriter output, QuickstartSummary summary)
    {
        var c = summary.Counts;
        output.WriteLine();
        var m = summary.Mqtt;
        output.WriteLine(Invariant($"MQTT: edge agents published {m.ReadingsPublished:N0} readings in {m.MessagesPublished:N0} messages; the collector received {m.MessagesReceived:N0} messages") +
            (m.Drained ? "." : " (it stopped waiting for the rest after 30 s; the edge buffers keep them)."));
        output.WriteLine(Invariant($"Pipeline: received {c.Received:N0} points = written {c.Written:N0} + rejected {c.Rejected:N0}; buffered at the end: {c.Buffered:N0}."));
        output.WriteLine(summary.StoppedEarly
            ? Invariant($"Stopped early (Ctrl+C) after {summary.WallSeconds:F1} s: {summary.SimulatedHours:F1} simulated hours; nothing read was lost.")
            : Invariant($"Simulated {summary.SimulatedHours:F1} hours of {summary.SimulatedDay:yyyy-MM-dd} (UTC) in {summary.WallSeconds:F1} s of wall time."));

        output.WriteLine();
        output.WriteLine("Energy per house for the day, kWh (mean power over each hour = energy in that hour):");
        output.WriteLine("  " + string.Join("", new[] { "house".PadRight(10), "district".PadRight(9) }.Concat(Columns.Select(static col => col.Column.PadLeft(Width(col.Column))))));
        foreach (var house in summary.HouseReports)
        {
            output.WriteLine("  " + house.House.PadRight(10) + house.District.PadRight(9) + string.Concat(Columns.Select(col => Kwh(house.DayTotals.TryGetValue(col.Column, out var v) ? v : null, Width(col.Column)))));
        }

        output.WriteLine();
        output.WriteLine(Invariant($"The last {LastHours} simulated hours per house, kWh:"));
        foreach (var house in summary.HouseReports)
        {
            output.WriteLine("  " + house.House.PadRight(19) + string.Concat(Columns.Select(static col => col.Column.PadLeft(Width(col.Column)))));
            foreach (var hour in house.Hours.TakeLast(LastHours))
            {
                output.WriteLine(Invariant($"    {hour.Hour:HH}:00-{hour.Hour.AddHours(1):HH}:00").PadRight(21) + string.Concat(Columns.Select(col => Kwh(hour.KWh.GetValueOrDefault(col.Column), Width(col.Column)))));
            }
        }

        output.WriteLine("  columns:");
        foreach (var (column, meaning) in Columns)
        {
            output.WriteLine("    " + column.PadRight(18) + meaning);
        }

        output.WriteLine();
        output.WriteLine(Invariant($"Cross-house aggregate per district and day (privacy threshold: {summary.PrivacyThreshold} houses; '*' = all districts):"));
        output.WriteLine("  " + "measure".PadRight(24) + "day".PadRight(12) + "district".PadRight(10) + "houses".PadLeft(7) + "avg".PadLeft(9) + "min".PadLeft(9) + "max".PadLeft(9));
        foreach (var row in summary.Aggregates)
        {
            var head = "  " + row.Measure.PadRight(24) + row.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture).PadRight(12) + row.District.PadRight(10);
            output.WriteLine(row.Suppressed
                ? head + Invariant($"  suppressed: fewer than {summary.PrivacyThreshold} houses, nothing released")
                : head + Invariant($"{row.Houses,7}") + Number(row.Avg) + Number(row.Min) + Number(row.Max));
        }

        output.WriteLine();
        output.WriteLine("Where the data is:");
        foreach (var (what, path) in summary.Files)
        {
            output.WriteLine("  " + what.PadRight(14) + path);
        }
    }

    private static int Width(string column) => Math.Max(column.Length, 6) + 2;

    private static string Kwh(double? value, int width) => (value is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "—").PadLeft(width);

    private static string Number(double? value) => value is double v ? Invariant($"{v,9:F2}") : "—".PadLeft(9);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
