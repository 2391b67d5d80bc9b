#!/usr/bin/env dotnet
// Step 3: aggregate raw measures across participants as DACC does, with a privacy threshold, and write them as CSV.
// Run from the repository root:  dotnet run samples/scripts/03-measures.cs -- [output folder]
// Reads samples/scripts/data/measures.json (definitions) and steps.jsonl (one raw measure per line).
// Writes <out>/aggregates.csv and <out>/aggregates-all-cohorts.csv.
// The '// -- cell:' sections are also the cells of samples/notebooks/walkthrough.ipynb (a test keeps them equal).
#:project ../../src/Cohort.Aggregation/Cohort.Aggregation.csproj
#:property PublishAot=false

using System.Globalization;
using Cohort.Aggregation;

string output = args.Length > 0 ? args[0] : Path.Combine("samples", "scripts", "out");
string data = Path.Combine("samples", "scripts", "data");
Directory.CreateDirectory(output);

// -- cell: definitions
// A definition names the measure, its groups, its period and the threshold below which nothing is released.
var definitions = await MeasureDefinitionSet.LoadFileAsync(Path.Combine(data, "measures.json"));
var aggregator = new MeasureAggregator(definitions);

// -- cell: raw-measures
// One raw measure per participant and day; a bad line is reported with its line number and field, the rest kept.
using (var lines = File.OpenText(Path.Combine(data, "steps.jsonl")))
{
    int accepted = 0;
    await foreach (var result in RawMeasureJson.ReadLinesAsync(lines, definitions))
    {
        if (result.IsValid && aggregator.TryAdd(result.Measure!, out _))
        {
            accepted++;
        }
        else
        {
            Console.WriteLine($"  rejected line {result.Line}: {result.Rejection!.Field}: {result.Rejection.Reason}");
        }
    }

    Console.WriteLine($"{accepted} raw measures accepted, aggregated {aggregator.Aggregate()}");
}

// -- cell: aggregate
// Per cohort and day: the control cohort has fewer than five participants, so its rows are never released.
// With the cohort as a wildcard, every participant counts towards one row per day.
void Write(string file, IReadOnlyList<AggregateResult> rows)
{
    using var csv = new StreamWriter(Path.Combine(output, file));
    csv.WriteLine("day,cohort,count,avg,std,median,min,max");
    foreach (var r in rows)
    {
        csv.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.StartDate:yyyy-MM-dd},{r.Group1?.Value},{r.Count},{r.Avg:0.#},{r.Std:0.#},{r.Median:0.#},{r.Min},{r.Max}"));
    }

    Console.WriteLine($"wrote {rows.Count} rows to {Path.Combine(output, file)}");
}

var june = new AggregateQuery("daily-steps", new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 7, 1, 0, 0, 0, TimeSpan.Zero))
{
    Organisation = "study-team",
};
var perCohort = aggregator.Query(june);
Write("aggregates.csv", perCohort);
Console.WriteLine($"cohorts released: {string.Join(", ", perCohort.Select(r => r.Group1?.Value).Distinct())} (control has too few participants)");
Write("aggregates-all-cohorts.csv", aggregator.Query(june with { WildcardGroups = [1] }));
