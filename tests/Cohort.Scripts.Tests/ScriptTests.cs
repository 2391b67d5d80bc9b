using System.Globalization;
using System.Xml.Linq;

namespace Cohort.Scripts.Tests;

/// <summary>Each research script runs as a user runs it and writes what its header promises.</summary>
public sealed class ScriptTests(WalkThroughFixture walk) : IClassFixture<WalkThroughFixture>
{
    private const string H1First = "1717200000000000000";

    [Fact]
    public void Every_script_in_the_folder_is_run_and_exits_zero()
    {
        string[] scripts = [.. Directory.GetFiles(Repository.Scripts, "*.cs").Select(f => Path.GetFileName(f)).Order()];
        Assert.Equal(scripts, walk.Runs.Keys.Order());
        foreach ((string script, (int exitCode, string output)) in walk.Runs)
        {
            Assert.True(exitCode == 0, $"{script} exited {exitCode}:\n{output}");
        }
    }

    [Fact]
    public void Load_stores_every_good_point_and_reports_the_bad_line_with_its_position()
    {
        string output = walk.Runs["01-load.cs"].Output;
        Assert.Contains("2592 points read", output, StringComparison.Ordinal);
        Assert.Contains("1 rejected", output, StringComparison.Ordinal);
        Assert.Contains("2596:21: invalid value \"lots\"", output, StringComparison.Ordinal);

        string[] rows = File.ReadAllLines(Path.Combine(walk.Output, "series.csv"));
        Assert.Equal("house,device,field,count,min,max,mean", rows[0]);
        Assert.Equal(12, rows.Length - 1);                                      // 3 houses x (pv, load, battery power, soc)
        Assert.All(rows.Skip(1), r => Assert.Equal("288", r.Split(',')[3]));    // one day every 5 minutes
        Assert.True(File.Exists(Path.Combine(walk.Output, "store", "h1.db")));
    }

    [Fact]
    public void Analytics_equal_the_formula_computed_from_the_input_file()
    {
        // net_load = load.power - pv.power, checked against the line protocol file itself for h1's first row.
        string[] input = File.ReadAllLines(Path.Combine(Repository.Scripts, "data", "houses.lp"));
        double Power(string device) => double.Parse(
            input.Single(l => l.StartsWith(device + ",house=h1 ", StringComparison.Ordinal) && l.EndsWith(H1First, StringComparison.Ordinal))
                .Split(' ')[1].Split(',')[0]["power=".Length..], CultureInfo.InvariantCulture);

        string[] rows = File.ReadAllLines(Path.Combine(walk.Output, "analytics.csv"));
        Assert.Equal("house,time,net_load,battery_charging,self_sufficient", rows[0]);
        Assert.Equal(3 * 288, rows.Length - 1);
        string[] first = rows[1].Split(',');
        Assert.Equal(["h1", "2024-06-01T00:00:00Z"], first[..2]);
        Assert.Equal(Power("load") - Power("pv"), double.Parse(first[2], CultureInfo.InvariantCulture), 2);
        Assert.All(rows.Skip(1), r => Assert.True(double.Parse(r.Split(',')[3], CultureInfo.InvariantCulture) >= 0));
        Assert.All(rows.Skip(1), r => Assert.Contains(r.Split(',')[4], (string[])["0", "1"]));
    }

    [Fact]
    public void The_plot_is_an_svg_with_one_line_per_house()
    {
        XDocument svg = XDocument.Load(Path.Combine(walk.Output, "net-load.svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        XElement[] lines = [.. svg.Descendants(ns + "polyline")];
        Assert.Equal(["h1", "h2", "h3"], lines.Select(l => l.Element(ns + "title")!.Value));
        Assert.All(lines, l => Assert.Equal(288, l.Attribute("points")!.Value.Split(' ').Length));
    }

    [Fact]
    public void Measures_release_only_groups_at_the_threshold()
    {
        string output = walk.Runs["03-measures.cs"].Output;
        Assert.Contains("rejected line 85: value:", output, StringComparison.Ordinal);
        Assert.Contains("84 raw measures accepted", output, StringComparison.Ordinal);

        string[] perCohort = File.ReadAllLines(Path.Combine(walk.Output, "aggregates.csv"));
        Assert.Equal(7, perCohort.Length - 1);
        Assert.All(perCohort.Skip(1), r => Assert.Equal(["pilot", "9"], r.Split(',')[1..3]));   // control (3 people) suppressed

        string[] all = File.ReadAllLines(Path.Combine(walk.Output, "aggregates-all-cohorts.csv"));
        Assert.Equal(7, all.Length - 1);
        Assert.All(all.Skip(1), r => Assert.Equal(["*", "12"], r.Split(',')[1..3]));
    }
}
