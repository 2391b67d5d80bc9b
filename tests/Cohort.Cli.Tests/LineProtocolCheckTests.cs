namespace Cohort.Cli.Tests;

public sealed class LineProtocolCheckTests
{
    [Fact]
    public async Task Valid_input_from_stdin_exits_zero_with_the_count()
    {
        var result = await CliRunner.RunAsync("# comment\nm,t=a v=1 1\n\nm,t=b v=2i,s=\"x\" 2\n", "lp", "check", "-");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("2 valid, 0 invalid", result.StdOut.TrimEnd());
        Assert.Equal(string.Empty, result.StdErr);
    }

    [Fact]
    public async Task Each_bad_line_goes_to_stderr_with_line_and_column_and_the_good_ones_are_counted()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "m v=1 1\nm v=oops 2\nm v=3 3\nm,t=a v 4\n");
        try
        {
            var result = await CliRunner.RunAsync(null, "lp", "check", path);

            Assert.Equal(1, result.ExitCode);
            Assert.EndsWith("2 valid, 2 invalid", result.StdOut.TrimEnd());
            var errors = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, errors.Length);
            Assert.StartsWith("2:5: ", errors[0]);
            Assert.StartsWith("4:8: ", errors[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Precision_scales_the_timestamps_checked_for_range()
    {
        // 9223372036854 s is past the last representable nanosecond: an error only when the unit is seconds.
        var ns = await CliRunner.RunAsync("m v=1 9223372036854\n", "lp", "check", "-");
        var s = await CliRunner.RunAsync("m v=1 9223372036854\n", "lp", "check", "--precision", "s", "-");

        Assert.Equal(0, ns.ExitCode);
        Assert.Equal(1, s.ExitCode);
        Assert.StartsWith("1:", s.StdErr);
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error_naming_the_path()
    {
        var result = await CliRunner.RunAsync(null, "lp", "check", "/no/such/file.lp");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/no/such/file.lp", result.StdErr);
    }

    [Fact]
    public async Task Check_has_help()
    {
        var result = await CliRunner.RunAsync(null, "lp", "check", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--precision", result.StdOut);
    }
}
