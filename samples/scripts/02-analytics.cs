#!/usr/bin/env dotnet
// Step 2: evaluate formulas over the store written by step 1, write them as CSV and plot them as a self-contained SVG.
// Run from the repository root:  dotnet run samples/scripts/02-analytics.cs -- [output folder of step 1]
// Writes <out>/analytics.csv and <out>/net-load.svg (open it in any browser).
// The '// -- cell:' sections are also the cells of samples/notebooks/walkthrough.ipynb (a test keeps them equal).
#:project ../../src/Cohort.Core/Cohort.Core.csproj
#:project ../../src/Cohort.Storage.Sqlite/Cohort.Storage.Sqlite.csproj
#:project ../../src/Cohort.Formulas/Cohort.Formulas.csproj
#:property PublishAot=false

using System.Globalization;
using System.Text;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Storage.Sqlite;

string output = args.Length > 0 ? args[0] : Path.Combine("samples", "scripts", "out");

// -- cell: formulas
// The store written by step 1: one SQLite file per house (tenant).
var store = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + Path.Combine(output, "store")));
string[] houses = ["h1", "h2", "h3"];

// A formula names device fields as device.field (the device is the measurement). Parsed and checked once.
var formulas = new Dictionary<string, CompiledFormula>
{
    ["net_load"] = Formula.Parse("load.power - pv.power").Compile(),              // W drawn from the grid (+) or sent (-)
    ["battery_charging"] = Formula.Parse("pos(battery.power)").Compile(),         // only the charging half
    ["self_sufficient"] = Formula.Parse("pv.power + neg(battery.power) >= load.power").Compile(),   // 1 or 0
};

// -- cell: evaluate
// Each formula reads its inputs from the store, aligned on their timestamps; results are time series (ns, value).
var day = TimeRange.Between(new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 6, 2, 0, 0, 0, TimeSpan.Zero));
var results = new Dictionary<(string House, string Name), TimeSeries>();
foreach (string house in houses)
{
    foreach (var (name, formula) in formulas)
    {
        results[(house, name)] = await formula.EvaluateAsync(store, new Tenant(house), day);
    }
}

using (var csv = new StreamWriter(Path.Combine(output, "analytics.csv")))
{
    await csv.WriteLineAsync("house,time," + string.Join(',', formulas.Keys));
    foreach (string house in houses)
    {
        var first = results[(house, "net_load")];
        for (int i = 0; i < first.Count; i++)
        {
            var time = DateTimeOffset.UnixEpoch.AddTicks(first.Timestamps.Span[i] / 100);
            var row = formulas.Keys.Select(name => results[(house, name)].ValueAt(i)?.ToString("0.##", CultureInfo.InvariantCulture) ?? "");
            await csv.WriteLineAsync($"{house},{time:yyyy-MM-ddTHH:mm:ssZ}," + string.Join(',', row));
        }
    }
}

foreach (string house in houses)
{
    var sufficient = results[(house, "self_sufficient")].Values.Span;
    double share = sufficient.ToArray().Where(v => !double.IsNaN(v)).Average();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"house {house}: self-sufficient {share:P0} of the day"));
}

// -- cell: plot
// A self-contained SVG: one polyline of net load per house over the day, zero line dashed.
string Plot(IReadOnlyList<(string Label, TimeSeries Series)> lines, string title)
{
    const double W = 800, H = 360, Pad = 40;
    double min = Math.Min(0, lines.Min(l => l.Series.Values.ToArray().Where(double.IsFinite).Min()));
    double max = lines.Max(l => l.Series.Values.ToArray().Where(double.IsFinite).Max());
    long t0 = lines[0].Series.Timestamps.Span[0], t1 = lines[0].Series.Timestamps.Span[^1];
    double X(long t) => Pad + (W - 2 * Pad) * (t - t0) / Math.Max(1, t1 - t0);
    double Y(double v) => H - Pad - (H - 2 * Pad) * (v - min) / Math.Max(1e-9, max - min);
    string[] colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];
    var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">");
    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Pad}\" y=\"20\" font-size=\"15\">{title}</text>");
    svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Pad}\" x2=\"{W - Pad}\" y1=\"{Y(0):0.#}\" y2=\"{Y(0):0.#}\" stroke=\"#999\" stroke-dasharray=\"4\"/>");
    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Y(max) + 4:0.#}\">{max:0}</text><text x=\"4\" y=\"{Y(min) + 4:0.#}\">{min:0}</text>");
    for (int i = 0; i < lines.Count; i++)
    {
        var (label, series) = lines[i];
        var points = Enumerable.Range(0, series.Count).Where(j => double.IsFinite(series.Values.Span[j]))
            .Select(j => string.Create(CultureInfo.InvariantCulture, $"{X(series.Timestamps.Span[j]):0.#},{Y(series.Values.Span[j]):0.#}"));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colours[i % colours.Length]}\" points=\"{string.Join(' ', points)}\"><title>{label}</title></polyline>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{W - Pad - 60}\" y=\"{40 + 16 * i}\" fill=\"{colours[i % colours.Length]}\">{label}</text>");
    }

    return svg.Append("</svg>").ToString();
}

string path = Path.Combine(output, "net-load.svg");
await File.WriteAllTextAsync(path, Plot([.. houses.Select(h => (h, results[(h, "net_load")]))], "Net load (W), 2024-06-01 UTC"));
Console.WriteLine($"wrote {Path.Combine(output, "analytics.csv")} and {path}");
await store.DisposeAsync();
