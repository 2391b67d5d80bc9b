#!/usr/bin/env dotnet
// Step 1 of the walk-through: load a line protocol export into a SQLite store and summarise its series as CSV.
// Run from the repository root:  dotnet run samples/scripts/01-load.cs -- [input.lp] [output folder]
// Writes <out>/store/<house>.db (one SQLite file per tenant) and <out>/series.csv.
// The '// -- cell:' sections are also the cells of samples/notebooks/walkthrough.ipynb (a test keeps them equal).
#:project ../../src/Cohort.Core/Cohort.Core.csproj
#:project ../../src/Cohort.Storage.Sqlite/Cohort.Storage.Sqlite.csproj
#:property PublishAot=false

using System.Globalization;
using Cohort.Core;
using Cohort.Core.LineProtocol;
using Cohort.Storage.Sqlite;

string input = args.Length > 0 ? args[0] : Path.Combine("samples", "scripts", "data", "houses.lp");
string output = args.Length > 1 ? args[1] : Path.Combine("samples", "scripts", "out");
Directory.CreateDirectory(output);

// -- cell: read
// Lenient mode: a bad line becomes a rejection with its line and column; the good lines are kept.
var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true });
var batch = new PointBatch();
var read = reader.Read(await File.ReadAllTextAsync(input), batch);
Console.WriteLine($"{read.Points} points read from {input}, {read.Rejections.Length} rejected");
foreach (var rejection in read.Rejections)
{
    Console.WriteLine($"  rejected {rejection}");
}

// -- cell: store
// Every house is a tenant: the store keeps each one in its own SQLite file.
var store = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + Path.Combine(output, "store")));
foreach (var house in batch.ToPoints().GroupBy(p => p.Tags["house"]!))
{
    var perHouse = new PointBatch();
    foreach (var point in house)
    {
        perHouse.Add(point);
    }

    var written = await store.WriteAsync(new Tenant(house.Key), perHouse);
    Console.WriteLine($"house {house.Key}: {written.Written} values written");
}

// -- cell: summarise
// Read every series back and summarise each numeric field: count, min, max, mean.
using (var csv = new StreamWriter(Path.Combine(output, "series.csv")))
{
    await csv.WriteLineAsync("house,device,field,count,min,max,mean");
    foreach (var house in batch.ToPoints().Select(p => p.Tags["house"]!).Distinct().Order(StringComparer.Ordinal))
    {
        var values = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        await foreach (var point in store.ReadAsync(new Tenant(house), new PointQuery(TimeRange.All)))
        {
            foreach (var field in point.Fields)
            {
                if (field.Value.TryGetNumber(out double number))
                {
                    string key = point.Measurement + "," + field.Key;
                    if (!values.TryGetValue(key, out var list))
                    {
                        values[key] = list = [];
                    }

                    list.Add(number);
                }
            }
        }

        foreach (var (key, list) in values)
        {
            await csv.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{house},{key},{list.Count},{list.Min():0.##},{list.Max():0.##},{list.Average():0.##}"));
        }
    }
}

await store.DisposeAsync();
Console.WriteLine($"wrote {Path.Combine(output, "series.csv")}");
