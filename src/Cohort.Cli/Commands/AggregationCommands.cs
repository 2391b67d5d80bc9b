using System.CommandLine;
using Cohort.Aggregation;

namespace Cohort.Cli.Commands;

/// <summary><c>cohort aggregate</c>: DACC-style measures with Cohort.Aggregation.</summary>
internal static class AggregationCommands
{
    public static Command Create()
    {
        var definitions = new Option<string>("--definitions") { Description = "Measure definitions in DACC's camelCase JSON.", Required = true };
        var measures = new Option<string>("--measures") { Description = "Raw measures, one JSON object per line (DACC's format), or - for standard input.", Required = true };
        var measure = new Option<string>("--measure") { Description = "The measure to aggregate.", Required = true };
        var from = new Option<string>("--from") { Description = "Start date, inclusive (ISO-8601; UTC when no offset is given).", Required = true };
        var to = new Option<string>("--to") { Description = "End date, exclusive (ISO-8601; UTC when no offset is given).", Required = true };
        var createdBy = new Option<string?>("--created-by") { Description = "Only aggregates of this creator." };
        var wildcard = new Option<string?>("--wildcard") { Description = "Groups replaced by '*', e.g. group1,group3." };
        var org = new Option<string?>("--org") { Description = "The organisation asking; refused when it may not read the measure. Default: the measure's own organisation (whoever holds the raw file is its owner)." };
        var command = new Command("aggregate", "Aggregates raw measures as DACC's /aggregate does and writes its JSON array; nothing below the measure's threshold is ever written. Invalid measures go to stderr by line number and the valid ones are still aggregated.")
        {
            definitions, measures, measure, from, to, createdBy, wildcard, org,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var query = new AggregateQuery(parse.GetValue(measure)!, CliInput.ParseTime(parse.GetValue(from)!, "--from"), CliInput.ParseTime(parse.GetValue(to)!, "--to"))
            {
                CreatedBy = parse.GetValue(createdBy),
                WildcardGroups = ParseWildcard(parse.GetValue(wildcard)),
                Organisation = parse.GetValue(org),
            };

            MeasureDefinitionSet set;
            try
            {
                set = await MeasureDefinitionSet.LoadFileAsync(ExistingFile(parse.GetValue(definitions)!), cancellationToken).ConfigureAwait(false);
            }
            catch (MeasureDefinitionException error)
            {
                foreach (var problem in error.Errors)
                {
                    await Console.Error.WriteLineAsync($"{problem.Field}: {problem.Reason}").ConfigureAwait(false);
                }

                return 2;
            }

            if (query.Organisation is null)
            {
                query = query with { Organisation = set.Find(query.MeasureName)?.Org };
            }

            var engine = new MeasureAggregator(set);
            await using (var input = CliInput.Open(parse.GetValue(measures)!))
            using (var reader = new StreamReader(input))
            {
                await foreach (var result in RawMeasureJson.ReadLinesAsync(reader, set, cancellationToken).ConfigureAwait(false))
                {
                    if (!result.IsValid)
                    {
                        await Console.Error.WriteLineAsync(result.Rejection!.ToString()).ConfigureAwait(false);
                    }
                    else if (!engine.TryAdd(result.Measure!, out var rejection))
                    {
                        await Console.Error.WriteLineAsync((rejection! with { Line = result.Line }).ToString()).ConfigureAwait(false);
                    }
                }
            }

            engine.Aggregate();
            IReadOnlyList<AggregateResult> aggregates;
            try
            {
                aggregates = engine.Query(query);
            }
            catch (Exception error) when (error is UnknownMeasureException or MeasureAccessDeniedException)
            {
                await Console.Error.WriteLineAsync("cohort: " + error.Message).ConfigureAwait(false);
                return 2;
            }

            await using var stdout = Console.OpenStandardOutput();
            await AggregateJson.WriteAsync(stdout, aggregates, cancellationToken).ConfigureAwait(false);
            await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static string ExistingFile(string path) => File.Exists(path) ? path : throw new CliUsageException($"no such file: {path}");


    private static System.Collections.Immutable.ImmutableArray<int> ParseWildcard(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(group => group switch
        {
            "group1" => 1,
            "group2" => 2,
            "group3" => 3,
            _ => throw new CliUsageException($"--wildcard: '{group}' is not group1, group2 or group3"),
        })];
    }
}
