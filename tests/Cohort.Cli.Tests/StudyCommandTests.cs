namespace Cohort.Cli.Tests;

public sealed class StudyCommandTests : IDisposable
{
    private const string Valid = """
        {
          "study": "pilot",
          "keys": [ { "name": "k", "provider": "environment", "reference": "COHORT_KEY" } ],
          "tenants": [
            { "id": "house-01", "encryptionKey": "k",
              "devices": [ { "name": "indoor", "type": "simulated", "intervalMs": 1000, "simulation": { "model": "load" } } ],
              "analytics": [ { "name": "hot", "formula": "indoor.temperature - 27" } ] }
          ],
          "notifiers": [ { "name": "survey", "type": "webhook", "url": "http://127.0.0.1:9/hook" } ],
          "rules": [ { "name": "too-warm", "formula": "indoor.temperature", "above": 27, "notifier": "survey" } ],
          "schedules": [ { "name": "rollups", "job": "rollup-refresh", "cron": "*/5 * * * *" } ]
        }
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string json)
    {
        var path = _dir.File(name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Validate_exits_0_for_a_valid_manifest()
    {
        var result = await CliRunner.RunAsync(null, "study", "validate", Write("ok.json", Valid));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("valid: study 'pilot' (1 tenants, 1 devices, 1 schedules, 1 rules)", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_prints_each_problem_with_its_json_path_and_exits_1()
    {
        var bad = Valid
            .Replace("\"type\": \"simulated\"", "\"type\": \"zigbee\"", StringComparison.Ordinal)
            .Replace("indoor.temperature - 27", "indoor.temperature - ", StringComparison.Ordinal)
            .Replace("\"encryptionKey\": \"k\"", "\"encryptionKey\": \"gone\"", StringComparison.Ordinal);

        var result = await CliRunner.RunAsync(null, "study", "validate", Write("bad.json", bad));

        Assert.Equal(1, result.ExitCode);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("$.tenants[0].encryptionKey: reference to a missing key 'gone'", lines);
        Assert.Contains(lines, l => l.StartsWith("$.tenants[0].devices[0].type: unknown device type 'zigbee'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("$.tenants[0].analytics[0].formula: formula error at column ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_reports_a_missing_file_as_a_usage_error()
    {
        var result = await CliRunner.RunAsync(null, "study", "validate", _dir.File("nope.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_lists_the_changes_and_exits_1_or_0_when_the_same()
    {
        var a = Write("a.json", Valid);
        var b = Write("b.json", Valid.Replace("\"intervalMs\": 1000", "\"intervalMs\": 5000", StringComparison.Ordinal)
            .Replace("\"above\": 27", "\"above\": 28", StringComparison.Ordinal));

        var changed = await CliRunner.RunAsync(null, "study", "diff", a, b);
        var same = await CliRunner.RunAsync(null, "study", "diff", a, a);

        Assert.Equal(1, changed.ExitCode);
        Assert.Equal(
            "~ $.tenants[house-01].devices[indoor].intervalMs: 1000 -> 5000\n~ $.rules[too-warm].above: 27 -> 28\n",
            changed.StdOut);
        Assert.Equal(0, same.ExitCode);
        Assert.Equal("", same.StdOut);
    }
}
