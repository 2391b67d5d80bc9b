using System.Globalization;
using System.Net;
using System.Text;
using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Quickstart.Report;

/// <summary>A self-contained HTML page with an inline SVG line chart of one house's day (no scripts, no downloads).</summary>
internal static class DayChart
{
    private const int Width = 960;
    private const int Height = 400;
    private const int Left = 56;
    private const int Right = 16;
    private const int Top = 16;
    private const int Bottom = 36;

    /// <summary>A line of the chart: its label, colour and values in watts.</summary>
    public sealed record Line(string Label, string Color, TimeSeries Watts);

    /// <summary>Renders the page; a line is drawn across missing values unless they span more than <paramref name="maxGap"/>.</summary>
    public static string Render(string title, string subtitle, TimeRange day, TimeSpan maxGap, IReadOnlyList<Line> lines)
    {
        var present = lines.SelectMany(static l => l.Watts.Values.ToArray()).Where(static v => !double.IsNaN(v)).Select(static v => v / 1000).ToList();
        var (low, high) = present.Count == 0 ? (0.0, 1.0) : (Math.Min(0, present.Min()), Math.Max(0.5, present.Max()));
        var step = NiceStep((high - low) / 6);
        low = Math.Floor(low / step) * step;
        high = Math.Ceiling(high / step) * step;
        double X(long t) => Left + ((double)(t - day.Start) / (day.End - day.Start) * (Width - Left - Right));
        double Y(double kw) => Top + ((high - kw) / (high - low) * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Encode(title)}\">\n");
        for (var kw = low; kw <= high + (step / 2); kw += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(kw):F1}\" y2=\"{Y(kw):F1}\" stroke=\"{(Math.Abs(kw) < step / 2 ? "#888" : "#e4e4e4")}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Y(kw) + 4:F1}\" text-anchor=\"end\">{kw:0.#}</text>\n");
        }

        for (var hour = 0; hour <= 24; hour += 3)
        {
            var x = Left + (hour / 24.0 * (Width - Left - Right));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#e4e4e4\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{hour:00}:00</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{Top + ((Height - Top - Bottom) / 2)}\" transform=\"rotate(-90 14 {Top + ((Height - Top - Bottom) / 2)})\" text-anchor=\"middle\">kW</text>\n");
        foreach (var line in lines)
        {
            foreach (var segment in Segments(line.Watts, maxGap.Ticks * 100))
            {
                var points = string.Join(' ', segment.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Time):F1},{Y(p.Watts / 1000):F1}")));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"1.6\" points=\"{points}\"><title>{Encode(line.Label)}</title></polyline>\n");
            }
        }

        svg.Append("</svg>");
        var legend = string.Concat(lines.Select(static l => $"<span><i style=\"background:{l.Color}\"></i>{Encode(l.Label)}</span>"));
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>{{Encode(title)}}</title>
            <style>
            body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
            svg { width: 100%; height: auto; font-size: 11px; fill: #555; }
            .legend span { margin-right: 18px; white-space: nowrap; }
            .legend i { display: inline-block; width: 14px; height: 3px; margin: 0 6px 3px 0; vertical-align: middle; }
            </style>
            </head>
            <body>
            <h1>{{Encode(title)}}</h1>
            <p>{{Encode(subtitle)}}</p>
            <p class="legend">{{legend}}</p>
            {{svg}}
            </body>
            </html>
            """;
    }

    private static IEnumerable<List<(long Time, double Watts)>> Segments(TimeSeries series, long maxGapNs)
    {
        var current = new List<(long Time, double Watts)>();
        for (var i = 0; i < series.Count; i++)
        {
            var value = series.Values.Span[i];
            var time = series.Timestamps.Span[i];
            if (double.IsNaN(value))
            {
                continue;
            }

            if (current.Count > 0 && time - current[^1].Time > maxGapNs)
            {
                yield return current;
                current = [];
            }

            current.Add((time, value));
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }

    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1e-9))));
        var fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
