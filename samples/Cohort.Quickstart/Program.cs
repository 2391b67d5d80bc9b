// The Cohort quickstart: simulated houses → edge agents → embedded MQTT broker → durable ingestion → SQLite → named analytics, hourly rollups and a
// privacy-thresholded cross-house aggregate, in one process with nothing to install but the .NET SDK.
//   dotnet run --project samples/Cohort.Quickstart [-- --duration 30 --houses 6 --out ./cohort-quickstart]
// The composition below is the recipe to copy into your own host; the helpers it calls live beside this file.
using System.Security.Cryptography;
using System.Text.Json;
using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Ingestion;
using Cohort.Ingestion.Mqtt;
using Cohort.Quickstart;
using Cohort.Quickstart.Collector;
using Cohort.Quickstart.Progress;
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

using var counters = new PipelineCounters();

// ── The collector host: ingestion with its durable log, the SQLite store, formulas, rollups and measures. ──────
// Every house signs in to the broker with its own credentials and may publish only under cohort/<house>/ (its ACL).
var collectorBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = outDir });
collectorBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
var collectorPassword = NewPassword();
var housePasswords = Enumerable.Range(1, options.Houses).ToDictionary(SimulatedHouses.Id, _ => NewPassword());
collectorBuilder.Services.AddCohortEmbeddedBroker(o =>                 // loopback (the default address), a free port
{
    o.Port = 0;
    o.Services["collector"] = collectorPassword;                         // the collector's source: no topic limits
    foreach (var (house, password) in housePasswords)
    {
        o.Devices.Add(new EmbeddedBrokerDevice { Username = house, Password = password, Tenant = house });
    }
});
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
        sp.GetRequiredService<SqlitePointStore>(), sp.GetRequiredService<InProcessRollupEngine>()))
    .AddMqttSource(o =>                                                    // cohort/<house>/<device>, line protocol
    {
        o.Connection.Username = "collector";
        o.Connection.Password = collectorPassword;
        o.Topics.Add(new MqttSourceTopic("cohort/{tenant}/{device}"));
    });
collectorBuilder.Services.AddOptions<MqttSourceOptions>()              // the port the broker picked (started below)
    .Configure<EmbeddedMqttBroker>(static (o, broker) => (o.Connection.Host, o.Connection.Port) = (broker.Address, broker.Port));
collectorBuilder.Services.AddHostedService<RollupRefresher>();
using var collector = collectorBuilder.Build();
var broker = collector.Services.GetRequiredService<EmbeddedMqttBroker>();
await broker.StartAsync();                                                 // picks its port; the host's start finds it running
await collector.StartAsync();
output.WriteLine($"  Houses: edge agents, each with a durable buffer, publishing over MQTT to an embedded broker on {broker.Address}:{broker.Port}.");
output.WriteLine($"  Collector: MQTT source, durable log + SQLite store in {Shown(outDir)}; analytics, hourly rollups and the aggregate run on real time.");
output.WriteLine();

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

// ── The houses: one small host each, as an edge agent on a gateway would be. ──────────────────────────────────
// Each polls its simulated devices into its own durable buffer and publishes the buffer, in order, as line protocol
// to cohort/<house>/<device> over MQTT; the collector's source acknowledges a message once it is in its durable log.
var houses = new List<IHost>();
for (var number = 1; number <= options.Houses; number++)
{
    var house = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    var configuration = SimulatedHouses.Create(number, interval);
    var id = configuration.House!;
    var edgeDir = Path.Combine(outDir, "edge", id);
    house.Services.AddSingleton<TimeProvider>(clock);                     // the houses live in simulated time...
    house.Services.AddCohortMqttClient(o =>
    {
        o.Host = broker.Address;
        o.Port = broker.Port;
        o.Username = id;
        o.Password = housePasswords[id];

        // ...so the client's timeouts and delays, which run on that clock, are given in simulated time.
        o.ConnectTimeout = clock.ToSimulated(o.ConnectTimeout);
        o.ReconnectMinDelay = clock.ToSimulated(o.ReconnectMinDelay);
        o.ReconnectMaxDelay = clock.ToSimulated(o.ReconnectMaxDelay);
    });
    house.Services.AddCohortEdgeAgent(o =>
    {
        o.House = id;
        o.Configuration = configuration;                                   // first boot: no devices.json there yet
        o.ConfigurationPath = Path.Combine(edgeDir, "devices.json");
        o.Buffer.Directory = Path.Combine(edgeDir, "buffer");
        o.RetryMinDelay = clock.ToSimulated(o.RetryMinDelay);
        o.RetryMaxDelay = clock.ToSimulated(o.RetryMaxDelay);
    });
    houses.Add(house.Build());
}

// ── Run: until the simulated day is over or Ctrl+C, showing the pipeline's counters. ─────────────────────────────
var lifetime = collector.Services.GetRequiredService<IHostApplicationLifetime>();
foreach (var house in houses)
{
    await house.StartAsync();                                              // the clock stands still until Start()
}

// Start the day once the collector's source listens: the broker keeps nothing for a subscriber it has not seen.
try
{
    await collector.Services.GetRequiredService<MqttSourceReadiness>()
        .WhenSubscribedAsync(lifetime.ApplicationStopping).WaitAsync(TimeSpan.FromSeconds(30));
}
catch (OperationCanceledException)
{
    // Ctrl+C during start-up: stop cleanly below, nothing was read yet.
}
clock.Start();
var progress = new ProgressLine(output, counters, clock, interactive: !Console.IsOutputRedirected);
while (progress.Elapsed < options.Duration && !lifetime.ApplicationStopping.IsCancellationRequested)
{
    // Whole milliseconds, rounded up: a shorter delay completes at once, and the loop would print the same line again.
    var wait = TimeSpan.FromMilliseconds(Math.Ceiling((options.Duration - progress.Elapsed).TotalMilliseconds));
    await Task.Delay(wait < progress.Every ? wait : progress.Every, lifetime.ApplicationStopping).ContinueWith(static _ => { }, TaskScheduler.Default);
    progress.Print();
}

var stoppedEarly = lifetime.ApplicationStopping.IsCancellationRequested;
var wall = progress.Elapsed;
var simulated = clock.GetUtcNow() - day;

// Stop the houses first: each edge agent publishes what its buffer still holds. Then wait until the collector has
// received every reading the brokers acknowledged, and stop it: its ingestion service writes what its durable log
// still holds to the store before it returns. Nothing read is lost.
foreach (var house in houses)
{
    await house.StopAsync();
    house.Dispose();
}

var drained = await DrainAsync(counters, TimeSpan.FromSeconds(30));
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
    Mqtt = new MqttCounts(counters.EdgeReadingsPublished, counters.EdgeMessagesPublished, counters.MqttMessagesReceived, drained),
    HouseReports = houseReports,
    Aggregates = aggregates,
    PrivacyThreshold = CrossHouseAggregate.Threshold,
    Files = new Dictionary<string, string>
    {
        ["store"] = Shown(Path.Combine(outDir, "store")) + "/<house>.db (SQLite, one file per house)",
        ["durable log"] = Shown(Path.Combine(ingestion, "log")) + " (segments are deleted once the store has confirmed them)",
        ["edge buffers"] = Shown(Path.Combine(outDir, "edge")) + "/<house>/buffer (each edge agent's durable log)",
        ["dead letters"] = Shown(deadLetters) + " (rejected records with their reasons)",
        ["chart"] = Shown(chartPath) + " (open it in a browser)",
        ["report"] = Shown(Path.Combine(outDir, "report.json")),
    },
};
ReportPrinter.Print(output, summary);
await File.WriteAllTextAsync(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(summary, QuickstartJson.Options));
return 0;

// Waits (bounded) until the collector has received at least every reading the edge agents published: the points its
// pipeline decoded or refused on arrival. More is possible (at-least-once delivery), fewer would be a loss.
static async Task<bool> DrainAsync(PipelineCounters counters, TimeSpan limit)
{
    using var timeout = new CancellationTokenSource(limit);
    while (counters.Received < counters.EdgeReadingsPublished || counters.MqttMessagesReceived < counters.EdgeMessagesPublished)
    {
        try
        {
            await Task.Delay(20, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    return true;
}

static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

// A path as the user would type it: relative to the current folder when it is inside it.
static string Shown(string path)
{
    var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
    return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : "." + Path.DirectorySeparatorChar + relative;
}

// The simulated polling interval: whole minutes, about 40 ms of wall time (2 minutes at the default 30 s per day).
static TimeSpan SimulatedInterval(SimulatedClock clock)
    => TimeSpan.FromMinutes(Math.Clamp(Math.Round(clock.ToSimulated(TimeSpan.FromMilliseconds(40)).TotalMinutes), 1, 10));
