// The Cohort edge agent for one simulated house: polls its devices, stores every reading in a durable log, and
// publishes them over MQTT (topic cohort/house-1/<device>) to the broker given on the command line or in
// appsettings (default localhost:1883, the quickstart's embedded broker). New configurations published to
// cohort_config/house-1/devices are validated, written to edge-data/devices.json and applied without a restart.
//
//   dotnet run --project samples/Cohort.EdgeAgent -- --Mqtt:Host=localhost --Mqtt:Port=1883 --Edge:House=house-1
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var data = builder.Configuration["Edge:DataDirectory"] ?? "edge-data";
var devices = Path.Combine(data, "devices.json");
if (!File.Exists(devices))
{
    // The first start copies the shipped configuration; later starts read the copy, which config updates replace.
    Directory.CreateDirectory(data);
    File.Copy(Path.Combine(AppContext.BaseDirectory, "devices.json"), devices);
}

builder.Services.AddCohortMqttClient(mqtt =>
{
    mqtt.Host = builder.Configuration["Mqtt:Host"] ?? "localhost";
    mqtt.Port = int.TryParse(builder.Configuration["Mqtt:Port"], out var port) ? port : 1883;
    mqtt.Username = builder.Configuration["Mqtt:Username"];
    mqtt.Password = builder.Configuration["Mqtt:Password"];
});

builder.Services.AddCohortEdgeAgent(edge =>
{
    edge.House = builder.Configuration["Edge:House"] ?? "house-1";
    edge.ConfigurationPath = devices;
    edge.Buffer.Directory = Path.Combine(data, "buffer");
    edge.StatusTopic = "cohort_config/{tenant}/status";
});

await builder.Build().RunAsync();
