using System.Text.Json;

namespace Cohort.Cli.Tests;

public sealed class AggregateCommandTests
{
    private const string Definitions = """
        {"definitions":[{"name":"connection-count","org":"cozy","group1Key":"device","aggregationPeriod":"day",
          "aggregationThreshold":3,"withQuartiles":true,"accessOrgs":["partner"]}]}
        """;

    private static string Measure(double? value, string device, string date = "2026-01-01T10:00:00Z", string name = "connection-count") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["measureName"] = name, ["value"] = value, ["startDate"] = date, ["createdBy"] = "app",
            ["group1"] = new Dictionary<string, string> { ["device"] = device },
        });

    private static async Task<CliResult> RunAsync(TempDir dir, IEnumerable<string> measures, params string[] extra)
    {
        await File.WriteAllTextAsync(dir.File("defs.json"), Definitions);
        await File.WriteAllLinesAsync(dir.File("measures.jsonl"), measures);
        return await CliRunner.RunAsync(null, ["aggregate", "--definitions", dir.File("defs.json"), "--measures", dir.File("measures.jsonl"),
            "--measure", "connection-count", "--from", "2026-01-01", "--to", "2026-01-02", .. extra]);
    }

    [Fact]
    public async Task Writes_daccs_aggregate_array_with_quartiles_and_suppresses_groups_below_the_threshold()
    {
        using var dir = new TempDir();
        var measures = new[] { 1.0, 2, 3, 4, 5 }.Select(v => Measure(v, "phone")).Concat([Measure(7, "watch"), Measure(8, "watch")]);

        var result = await RunAsync(dir, measures);

        Assert.Equal(0, result.ExitCode);
        var aggregate = Assert.Single(JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray());
        Assert.Equal("phone", aggregate.GetProperty("group1").GetProperty("device").GetString());
        Assert.Equal(5, aggregate.GetProperty("count").GetInt32());
        Assert.Equal(15, aggregate.GetProperty("sum").GetDouble());
        Assert.Equal(1.5811388300841898, aggregate.GetProperty("std").GetDouble(), 12);
        Assert.Equal(3, aggregate.GetProperty("median").GetDouble());
        Assert.Equal(2, aggregate.GetProperty("firstQuartile").GetDouble());
        Assert.Equal(4, aggregate.GetProperty("thirdQuartile").GetDouble());
        Assert.Equal("2026-01-01T00:00:00Z", aggregate.GetProperty("startDate").GetString());
    }

    [Fact]
    public async Task Invalid_measures_are_reported_by_line_and_the_valid_ones_still_count()
    {
        using var dir = new TempDir();
        var measures = new[] { 1.0, 2, 3 }.Select(v => Measure(v, "phone")).ToList();
        measures.Insert(1, Measure(null, "phone"));
        measures.Insert(3, "not json");
        measures.Add(Measure(1, "phone", name: "unknown"));

        var result = await RunAsync(dir, measures);

        Assert.Equal(0, result.ExitCode);
        var errors = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, errors.Length);
        Assert.StartsWith("2: ", errors[0]);
        Assert.StartsWith("4: ", errors[1]);
        Assert.StartsWith("6: ", errors[2]);
        Assert.Equal(3, Assert.Single(JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray()).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Wildcard_groups_merge_across_devices()
    {
        using var dir = new TempDir();
        var measures = new[] { 1.0, 2 }.Select(v => Measure(v, "phone")).Concat([Measure(7, "watch"), Measure(8, "watch")]);

        var result = await RunAsync(dir, measures, "--wildcard", "group1");

        var aggregate = Assert.Single(JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray());
        Assert.Equal("*", aggregate.GetProperty("group1").GetProperty("device").GetString());
        Assert.Equal(4, aggregate.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task End_date_is_exclusive()
    {
        using var dir = new TempDir();
        var measures = new[] { 1.0, 2, 3 }.Select(v => Measure(v, "phone", "2026-01-02T00:00:00Z"));

        var result = await RunAsync(dir, measures);

        Assert.Equal("[]", result.StdOut.Trim());
    }

    [Fact]
    public async Task An_organisation_that_may_not_read_the_measure_is_refused_with_exit_2()
    {
        using var dir = new TempDir();

        var refused = await RunAsync(dir, [Measure(1, "phone")], "--org", "someone-else");
        var partner = await RunAsync(dir, [Measure(1, "phone")], "--org", "partner");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("someone-else", refused.StdErr);
        Assert.Equal(0, partner.ExitCode);
    }

    [Fact]
    public async Task A_bad_definitions_file_names_the_property()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("defs.json"), """{"definitions":[{"name":"m","aggregationPeriod":"fortnight"}]}""");
        await File.WriteAllTextAsync(dir.File("m.jsonl"), string.Empty);

        var result = await CliRunner.RunAsync(null, "aggregate", "--definitions", dir.File("defs.json"), "--measures", dir.File("m.jsonl"),
            "--measure", "m", "--from", "2026-01-01", "--to", "2026-01-02");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("aggregationPeriod", result.StdErr);
    }
}
