// Reads InfluxDB line protocol from stdin and prints a summary; bad lines go to stderr as "line:col: reason".
//   dotnet run --project samples/Cohort.LineProtocolSummary < samples/data/example.lp
// Options: --precision ns|us|ms|s (default ns).
using System.Globalization;
using Cohort.Core;
using Cohort.Core.LineProtocol;

var precision = TimestampPrecision.Nanoseconds;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--precision")
    {
        precision = Timestamps.TryParsePrecision(args[i + 1], out var parsed)
            ? parsed
            : throw new ArgumentException($"unknown precision '{args[i + 1]}' (use ns, us, ms or s)");
    }
}

var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true, Precision = precision });
var batch = new PointBatch();
await using var stdin = Console.OpenStandardInput();
var result = await reader.ReadAsync(stdin, batch);

foreach (var rejection in result.Rejections)
{
    await Console.Error.WriteLineAsync(rejection.ToString());
}

// Count from the rows: a series interned by a line that was later rejected has no rows.
var series = new HashSet<int>();
var pointsPerMeasurement = new SortedDictionary<string, int>(StringComparer.Ordinal);
var kinds = new SortedDictionary<FieldKind, int>();
var fieldsPerKind = new SortedDictionary<FieldKind, SortedSet<string>>();
long first = long.MaxValue, last = long.MinValue;
for (var row = 0; row < batch.ValueCount; row++)
{
    var seriesId = batch.SeriesIds[row];
    series.Add(seriesId);
    var kind = batch.Kinds[row];
    kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
    if (!fieldsPerKind.TryGetValue(kind, out var keys))
    {
        fieldsPerKind[kind] = keys = new SortedSet<string>(StringComparer.Ordinal);
    }

    keys.Add(batch.GetFieldKey(batch.FieldIds[row]));
    first = Math.Min(first, batch.Timestamps[row]);
    last = Math.Max(last, batch.Timestamps[row]);
}

foreach (var point in batch.ToPoints())
{
    pointsPerMeasurement[point.Measurement] = pointsPerMeasurement.GetValueOrDefault(point.Measurement) + 1;
}

var invariant = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(invariant, $"lines:    {result.Lines} ({result.Rejections.Length} rejected)"));
Console.WriteLine(string.Create(invariant, $"points:   {batch.PointCount}"));
Console.WriteLine(string.Create(invariant, $"values:   {batch.ValueCount}"));
Console.WriteLine(string.Create(invariant, $"series:   {series.Count}"));
Console.WriteLine("measurements:");
foreach (var (measurement, count) in pointsPerMeasurement)
{
    Console.WriteLine(string.Create(invariant, $"  {measurement,-24} {count,8} points"));
}

Console.WriteLine("field kinds:");
foreach (var (kind, count) in kinds)
{
    Console.WriteLine(string.Create(invariant, $"  {kind,-8} {count,8} values  ({string.Join(", ", fieldsPerKind[kind])})"));
}

if (batch.ValueCount > 0)
{
    var from = Timestamps.ToDateTimeOffset(first);
    var to = Timestamps.ToDateTimeOffset(last);
    Console.WriteLine(string.Create(invariant, $"time span: {from:O} .. {to:O} ({to - from})"));
}

// The summary is the job: bad lines are part of what it reports, not a failure of the run
// (`cohort lp check` is the validator that exits 1 on them).
return 0;
