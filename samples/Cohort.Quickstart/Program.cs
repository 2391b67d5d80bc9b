// The Cohort quickstart: simulated houses → durable ingestion → SQLite → named analytics, hourly rollups and a
// privacy-thresholded cross-house aggregate, in one process with nothing to install but the .NET SDK.
//   dotnet run --project samples/Cohort.Quickstart [-- --duration 30 --houses 6 --out ./cohort-quickstart]
// The composition below is the recipe to copy into your own host; the helpers it calls live beside this file.
using System.Text.Json;
using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Devices.Polling;
using Cohort.Formulas;
using Cohort.Ingestion;
using Cohort.Quickstart;
using Cohort.Quickstart.Collector;
using Cohort.Quickstart.Progress;
using Cohort.Quickstart.Readings;
using Cohort.Quickstart.Report;
using Cohort.Quickstart.Simulation;
using Cohort.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (!QuickstartOptions.TryParse(args, out var options, out var error))
{
    await Console.Error.WriteLineAsync(error + Environment.NewLine + Environment.NewLine + QuickstartOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(QuickstartOptions.Usage);
    return 0;
}

var output = Console.Out;
if (!OutputFolder.TryPrepare(options.OutputDirectory, out var outDir, out error))
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

// Simulated time: the houses replay yesterday (UTC), midnight to midnight, on a clock that runs fast enough to fit
// the day into --duration. Their readings carry simulated timestamps; the collector runs on real time.
var day = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(-1), TimeSpan.Zero);
var clock = new SimulatedClock(day, TimeSpan.FromDays(1) / options.Duration);
var interval = SimulatedInterval(clock);
var dayRange = TimeRange.Between(day, day.AddDays(1));

output.WriteLine($"Cohort quickstart: {options.Houses} simulated houses (PV, battery, EV charger, household load) for one day.");
output.WriteLine($"  Simulated time: the houses replay {day:yyyy-MM-dd} 00:00-24:00 UTC on a clock {clock.Speed:N0}x faster than yours,");
output.WriteLine($"  so the day takes {options.Duration.TotalSeconds:N0} s; each device is read every {interval.TotalMinutes:N0} simulated minutes.");
output.WriteLine($"  Collector: durable log + SQLite store in {Shown(outDir)}; analytics, hourly rollups and the aggregate run on real time.");
output.WriteLine();

using var counters = new PipelineCounters();

// ── The collector host: ingestion with its durable log, the SQLite store, formulas, rollups and measures. ──────
var collectorBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = outDir });
collectorBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
collectorBuilder.Services.AddCohortSqlite(o => o.DataDirectory = Path.Combine(outDir, "store"));      // one .db per house
collectorBuilder.Services.AddCohortAggregation(o =>
{
    foreach (var (_, measure) in CrossHouseAggregate.Measures)
    {
        o.Definitions.Add(measure);                                        // DACC measures, threshold per measure
    }
});
collectorBuilder.Services.AddCohortFormulas(o => o.RollupPeriod = TimeSpan.FromHours(1));             // hourly rollups
collectorBuilder.Services
    .AddCohortIngestion(o =>
    {
        o.BufferDirectory = Path.Combine(outDir, "ingestion");             // the durable log (write-ahead, fsync'd)
        o.Validation.FieldRanges["*.power"] = new ValueRange(-50_000, 50_000);
        o.Validation.FieldRanges["battery.soc"] = new ValueRange(0, 100);
    })
    .AddDecoder(PayloadDecoders.LineProtocol)
    .AddSink("sqlite", static sp => new RollupInvalidatingPointWriter(   // late points mark their rollup bucket
        sp.GetRequiredService<SqlitePointStore>(), sp.GetRequiredService<InProcessRollupEngine>()));
collectorBuilder.Services.AddHostedService<RollupRefresher>();
using var collector = collectorBuilder.Build();
await collector.StartAsync();

// Named analytics per house. Those with continuous aggregation make the registry ask the rollup engine for hourly
// rollups of the device fields they use (pv.power, load.power, ev.power, battery.power).
var registry = collector.Services.GetRequiredService<AnalyticsRegistry>();
AnalyticDefinition[] analytics =
[
    new("battery_charging", "pos(battery.power)") { Description = "Power into the battery (W)", ContinuousAggregation = true },
    new("net_load", "load.power - pv.power") { Description = "Household load PV does not cover (W)", ContinuousAggregation = true },
    new("grid", "net_load + ev.power + battery.power") { Description = "Power from the grid, negative when exporting (W)", ContinuousAggregation = true },
    new("grid_import", "pos(grid)") { Description = "Power bought from the grid (W)", ContinuousAggregation = true },
];
for (var number = 1; number <= options.Houses; number++)
{
    foreach (var analytic in analytics)
    {
        await registry.CreateAsync(new Tenant(SimulatedHouses.Id(number)), analytic);
    }
}

// ── The houses: one small host each, as an edge agent on a gateway would be, polling its simulated devices. ────
// The readings path (IngestorReadingSink) hands each reading to the collector's IIngestor in-process.
var ingestor = collector.Services.GetRequiredService<IIngestor>();
var houses = new List<IHost>();
for (var number = 1; number <= options.Houses; number++)
{
    var house = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    var configuration = SimulatedHouses.Create(number, interval);
    house.Services.AddSingleton<TimeProvider>(clock);
    house.Services.AddSingleton<IReadingSink>(new IngestorReadingSink(ingestor, new Tenant(configuration.House!), TimeProvider.System));
    house.Services.AddCohortEdgePolling(o => o.Configuration = configuration);
    houses.Add(house.Build());
}

// ── Run: until the simulated day is over or Ctrl+C, showing the pipeline's counters. ─────────────────────────────
var lifetime = collector.Services.GetRequiredService<IHostApplicationLifetime>();
foreach (var house in houses)
{
    await house.StartAsync();                                              // the clock stands still until Start()
}

clock.Start();
var progress = new ProgressLine(output, counters, clock, interactive: !Console.IsOutputRedirected);
while (progress.Elapsed < options.Duration && !lifetime.ApplicationStopping.IsCancellationRequested)
{
    var wait = options.Duration - progress.Elapsed;
    await Task.Delay(wait < progress.Every ? wait : progress.Every, lifetime.ApplicationStopping).ContinueWith(static _ => { }, TaskScheduler.Default);
    progress.Print();
}

var stoppedEarly = lifetime.ApplicationStopping.IsCancellationRequested;
var wall = progress.Elapsed;
var simulated = clock.GetUtcNow() - day;

// Stop the houses first (a reading being delivered finishes), then the collector: its ingestion service writes what
// the durable log still holds to the store before it returns.
foreach (var house in houses)
{
    await house.StopAsync();
    house.Dispose();
}

await collector.StopAsync();
progress.Print(final: true);

// ── Report: read the store back through the same public APIs a dashboard would use. ──────────────────────────────
var rollups = collector.Services.GetRequiredService<InProcessRollupEngine>();
await rollups.RefreshAllAsync();
var store = collector.Services.GetRequiredService<IPointReader>();
var reader = new HouseAnalytics(registry, rollups, store, interval);
var houseReports = new List<HouseReport>();
for (var number = 1; number <= options.Houses; number++)
{
    houseReports.Add(await reader.ReadAsync(new Tenant(SimulatedHouses.Id(number)), SimulatedHouses.District(number), dayRange));
}

var aggregates = CrossHouseAggregate.Compute(collector.Services.GetRequiredService<MeasureAggregator>(), houseReports, day);
var chartPath = Path.Combine(outDir, "house-1-day.html");
await File.WriteAllTextAsync(chartPath, await HouseDayChart.RenderAsync(registry, store, new Tenant(SimulatedHouses.Id(1)), dayRange, interval));

var ingestion = Path.Combine(outDir, "ingestion");
var deadLetters = Path.Combine(ingestion, "dead-letters.jsonl");
var summary = new QuickstartSummary
{
    SimulatedDay = day,
    Speed = clock.Speed,
    Houses = options.Houses,
    WallSeconds = wall.TotalSeconds,
    SimulatedHours = Math.Min(24, simulated.TotalHours),
    StoppedEarly = stoppedEarly,
    Counts = new RunCounts(counters.Received, counters.Written, counters.Rejected, counters.Buffered,
        File.Exists(deadLetters) ? File.ReadLines(deadLetters).Count() : 0),
    HouseReports = houseReports,
    Aggregates = aggregates,
    PrivacyThreshold = CrossHouseAggregate.Threshold,
    Files = new Dictionary<string, string>
    {
        ["store"] = Shown(Path.Combine(outDir, "store")) + "/<house>.db (SQLite, one file per house)",
        ["durable log"] = Shown(Path.Combine(ingestion, "log")) + " (segments are deleted once the store has confirmed them)",
        ["dead letters"] = Shown(deadLetters) + " (rejected records with their reasons)",
        ["chart"] = Shown(chartPath) + " (open it in a browser)",
        ["report"] = Shown(Path.Combine(outDir, "report.json")),
    },
};
ReportPrinter.Print(output, summary);
await File.WriteAllTextAsync(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(summary, QuickstartJson.Options));
return 0;

// A path as the user would type it: relative to the current folder when it is inside it.
static string Shown(string path)
{
    var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
    return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : "." + Path.DirectorySeparatorChar + relative;
}

// The simulated polling interval: whole minutes, about 40 ms of wall time (2 minutes at the default 30 s per day).
static TimeSpan SimulatedInterval(SimulatedClock clock)
    => TimeSpan.FromMinutes(Math.Clamp(Math.Round(clock.ToSimulated(TimeSpan.FromMilliseconds(40)).TotalMinutes), 1, 10));
