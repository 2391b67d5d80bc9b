namespace Cohort.Cli.Tests;

public sealed class HelpTests
{
    [Fact]
    public async Task Help_lists_the_tool_and_exits_zero()
    {
        var result = await CliRunner.RunAsync(null, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("cohort", result.StdOut);
    }

    [Fact]
    public async Task An_unknown_verb_is_an_error()
    {
        var result = await CliRunner.RunAsync(null, "no-such-verb");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no-such-verb", result.StdErr);
    }
}
