using System.CommandLine;
using System.Globalization;
using Cohort.Core;
using Cohort.Core.LineProtocol;

namespace Cohort.Cli.Commands;

/// <summary><c>cohort lp ...</c>: InfluxDB line protocol.</summary>
internal static class LineProtocolCommands
{
    public static Command Create()
    {
        var lp = new Command("lp", "InfluxDB line protocol.");
        lp.Subcommands.Add(CreateCheck());
        return lp;
    }

    private static Command CreateCheck()
    {
        var input = new Argument<string>("file") { Description = "The line protocol file, or - for standard input." };
        var precision = new Option<string>("--precision")
        {
            Description = "The unit of the timestamps: ns, us, ms or s.",
            DefaultValueFactory = _ => "ns",
        };
        precision.AcceptOnlyFromAmong("ns", "us", "ms", "s");

        var check = new Command("check", "Validate line protocol: each bad line to stderr as <line>:<column>: <reason>; stdout ends with '<N> valid, <M> invalid'. Exit 0 when every line is valid, 1 when any is not.")
        {
            input,
            precision,
        };
        check.SetAction(async (parse, cancellationToken) =>
        {
            var options = new LineProtocolReaderOptions { Lenient = true, Precision = ParsePrecision(parse.GetValue(precision)!) };
            await using var stream = CliInput.Open(parse.GetValue(input)!);
            var result = await new LineProtocolReader(options).ReadAsync(stream, new PointBatch(), cancellationToken).ConfigureAwait(false);
            foreach (var rejection in result.Rejections)
            {
                await Console.Error.WriteLineAsync(rejection.ToString()).ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Points} valid, {result.Rejections.Length} invalid"));
            return result.IsComplete ? 0 : 1;
        });
        return check;
    }

    internal static TimestampPrecision ParsePrecision(string text) =>
        Timestamps.TryParsePrecision(text, out var precision) ? precision : throw new CliUsageException($"unknown precision '{text}': use ns, us, ms or s");
}
