namespace Cohort.Cli.Tests;

public sealed class FormulaCommandTests
{
    private const string Input = """
        time,field,value
        2026-01-01T00:00:00Z,battery.power,-2.5
        2026-01-01T00:00:00Z,load.power,1.0
        2026-01-01T00:01:00Z,battery.power,3
        1767225720000,load.power,2
        """;

    [Fact]
    public async Task Evaluates_over_the_union_of_timestamps_with_empty_values_where_missing()
    {
        var result = await CliRunner.RunAsync(Input, "formula", "eval", "pos(battery.power) + load.power", "--input", "-");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "time,value\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,\n2026-01-01T00:02:00Z,\n",
            result.StdOut);
    }

    [Fact]
    public async Task Locf_alignment_carries_the_last_value_forward()
    {
        var result = await CliRunner.RunAsync(Input, "formula", "eval", "pos(battery.power) + load.power", "--input", "-", "--align", "locf:5m");

        Assert.Equal("time,value\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,4\n2026-01-01T00:02:00Z,5\n", result.StdOut);
    }

    [Fact]
    public async Task A_bad_formula_exits_1_with_a_caret_under_the_column()
    {
        var result = await CliRunner.RunAsync(Input, "formula", "eval", "pos(battery.power) + ", "--input", "-");

        Assert.Equal(1, result.ExitCode);
        var lines = result.StdErr.Split('\n');
        Assert.Contains("column 22", lines[0]);
        Assert.Equal(lines[1].Length, lines[2].IndexOf('^')); // the caret stands just past the end of the formula
    }

    [Fact]
    public async Task A_field_the_input_lacks_is_a_binding_error_at_its_column()
    {
        var result = await CliRunner.RunAsync(Input, "formula", "eval", "battery.power + pv.power", "--input", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pv.power", result.StdErr);
        Assert.Contains("^^^^^^^^", result.StdErr);
    }

    [Fact]
    public async Task Named_analytics_come_from_the_scope_file()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("scope.json"), """{"analytics":[{"name":"charging","formula":"pos(battery.power)"}]}""");

        var result = await CliRunner.RunAsync(Input, "formula", "eval", "charging * 2", "--input", "-", "--scope-file", dir.File("scope.json"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("time,value\n2026-01-01T00:00:00Z,0\n2026-01-01T00:01:00Z,6\n", result.StdOut);
    }

    [Fact]
    public async Task A_bad_row_is_reported_with_line_and_column_and_the_rest_is_evaluated()
    {
        var result = await CliRunner.RunAsync(Input + "\n2026-01-01T00:03:00Z,load.power,abc\n", "formula", "eval", "load.power * 10", "--input", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("6:33: 'abc' is not a number", result.StdErr.Trim());
        Assert.Equal("time,value\n2026-01-01T00:00:00Z,10\n2026-01-01T00:02:00Z,20\n", result.StdOut);
    }
}
