using System.CommandLine;
using System.Globalization;
using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Cli.Commands;

/// <summary><c>cohort formula ...</c>: Cohort.Formulas.</summary>
internal static class FormulaCommands
{
    public static Command Create()
    {
        var formula = new Command("formula", "Formulas over device fields.");
        formula.Subcommands.Add(CreateEval());
        return formula;
    }

    private static Command CreateEval()
    {
        var text = new Argument<string>("formula") { Description = "The formula, e.g. 'pos(battery.power) - load.power'." };
        var input = new Option<string>("--input") { Description = "CSV with columns time,field,value (time ISO-8601 or Unix milliseconds; field as device.field), or - for standard input.", Required = true };
        var align = new Option<string>("--align")
        {
            Description = "How inputs from different devices line up: union, intersect, locf:<duration> or resample:<duration>:<mean|last>.",
            DefaultValueFactory = _ => "union",
        };
        var scopeFile = new Option<string?>("--scope-file") { Description = "Named analytics the formula may use (the JSON an analytics registry exports)." };
        var command = new Command("eval", "Evaluates a formula over CSV input and writes CSV time,value in time order (ISO-8601 UTC, empty value where missing). A bad formula exits 1 with the message and a caret under the column.")
        {
            text, input, align, scopeFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!AlignmentPolicy.TryParse(parse.GetValue(align), out var policy))
            {
                throw new CliUsageException($"--align: '{parse.GetValue(align)}' is not union, intersect, locf:<duration> or resample:<duration>:<mean|last>");
            }

            var source = parse.GetValue(text)!;
            try
            {
                var parsed = Formula.Parse(source);
                var (series, badRows) = await ReadSamplesAsync(parse.GetValue(input)!, cancellationToken).ConfigureAwait(false);
                var scopeJson = parse.GetValue(scopeFile) is { } path
                    ? await File.ReadAllTextAsync(File.Exists(path) ? path : throw new CliUsageException($"no such file: {path}"), cancellationToken).ConfigureAwait(false)
                    : """{"analytics":[]}""";
                var compiled = parsed.Compile(FormulaScope.FromAnalyticsJson(scopeJson, series.Keys));
                var result = compiled.Evaluate(series, policy);
                await WriteCsvAsync(result, cancellationToken).ConfigureAwait(false);
                return badRows == 0 ? 0 : 1;
            }
            catch (FormulaException error)
            {
                await Console.Error.WriteLineAsync(error.FormatWithCaret()).ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static async Task<(Dictionary<FieldReference, TimeSeries> Series, int BadRows)> ReadSamplesAsync(string path, CancellationToken cancellationToken)
    {
        var samples = new Dictionary<FieldReference, List<KeyValuePair<long, double>>>();
        var bad = 0;
        await using var stream = CliInput.Open(path);
        using var reader = new StreamReader(stream);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("time,", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (TryParseRow(line, out var field, out var timestamp, out var value, out var column, out var reason))
            {
                if (!samples.TryGetValue(field, out var list))
                {
                    samples[field] = list = [];
                }

                list.Add(new(timestamp, value));
            }
            else
            {
                bad++;
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{lineNumber}:{column}: {reason}")).ConfigureAwait(false);
            }
        }

        return (samples.ToDictionary(p => p.Key, p => TimeSeries.FromSamples(p.Value)), bad);
    }

    private static bool TryParseRow(string line, out FieldReference field, out long timestamp, out double value, out int column, out string reason)
    {
        field = default;
        timestamp = 0;
        value = double.NaN;
        var parts = line.Split(',');
        if (parts.Length != 3)
        {
            (column, reason) = (1, $"expected 3 columns time,field,value, found {parts.Length}");
            return false;
        }

        var fieldColumn = parts[0].Length + 2;
        var valueColumn = fieldColumn + parts[1].Length + 1;
        if (long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unixMs))
        {
            timestamp = unixMs * 1_000_000;
        }
        else if (DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            timestamp = Timestamps.FromDateTimeOffset(instant);
        }
        else
        {
            (column, reason) = (1, $"'{parts[0]}' is neither an ISO-8601 time nor Unix milliseconds");
            return false;
        }

        if (!FieldReference.TryParse(parts[1].Trim(), out field))
        {
            (column, reason) = (fieldColumn, $"'{parts[1]}' is not a field reference device.field");
            return false;
        }

        if (parts[2].Trim().Length > 0 && !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            (column, reason) = (valueColumn, $"'{parts[2]}' is not a number");
            return false;
        }

        (column, reason) = (0, string.Empty);
        return true;
    }

    private static async Task WriteCsvAsync(TimeSeries result, CancellationToken cancellationToken)
    {
        await using var stdout = new StreamWriter(Console.OpenStandardOutput()) { NewLine = "\n" };
        await stdout.WriteLineAsync("time,value").ConfigureAwait(false);
        var timestamps = result.Timestamps;
        for (var i = 0; i < result.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var time = Timestamps.ToDateTimeOffset(timestamps.Span[i]).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
            var value = result.ValueAt(i) is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
            await stdout.WriteLineAsync(time + "," + value).ConfigureAwait(false);
        }
    }
}
