using System.Text.Json;
using Cohort.Devices.Edge.Agent;
using Xunit;

namespace Cohort.Devices.Edge.Tests;

/// <summary>Configurations received on the config topic: applied live, or rejected with the old one kept.</summary>
public sealed class ConfigurationUpdateTests
{
    private const string ConfigTopic = "cohort_config/h1/devices";
    private const string StatusTopic = "cohort_config/h1/status";

    [Fact]
    public async Task A_new_configuration_is_written_atomically_and_applied_restarting_only_changed_devices()
    {
        using var folder = new TempFolder();
        var publisher = new FakePublisher();
        var subscriber = new FakeSubscriber();
        var path = folder.File("devices.json");
        await File.WriteAllTextAsync(path, Houses.Json(20, "meter", "battery"));
        var (services, agent) = Agent(folder, publisher, subscriber);
        await using (services)
        {
            await agent.StartAsync(CancellationToken.None);
            await agent.Subscribed;
            Assert.Contains(ConfigTopic, subscriber.Filters);
            await Houses.WaitUntilAsync(() => agent.Health.All(h => h.Reads >= 3), "both devices are read");
            var meterReadsBefore = agent.Health.Single(h => h.DeviceName == "meter").Reads;

            // meter unchanged, battery's interval changed, ev added.
            var updated = """
                { "house": "h1", "devices": [
                  { "name": "meter", "type": "simulated", "intervalMs": 20, "simulation": { "model": "load", "seed": 1 } },
                  { "name": "battery", "type": "simulated", "intervalMs": 30, "simulation": { "model": "load", "seed": 2 } },
                  { "name": "ev", "type": "simulated", "intervalMs": 20, "simulation": { "model": "ev", "seed": 3 } } ] }
                """;
            await subscriber.DeliverAsync(ConfigTopic, updated);

            Assert.Equal(updated, await File.ReadAllTextAsync(path));
            Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
            Assert.Equal(["meter", "battery", "ev"], agent.Configuration!.Devices.Select(d => d.Name));
            Assert.Equal(30, agent.Configuration.Devices[1].IntervalMs);

            var status = LastStatus(publisher);
            Assert.Equal("applied", status.GetProperty("status").GetString());
            Assert.Equal(["battery"], status.GetProperty("restarted").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["ev"], status.GetProperty("started").EnumerateArray().Select(e => e.GetString()));
            Assert.Empty(status.GetProperty("stopped").EnumerateArray());

            // The unchanged device kept its poller (its read count did not start over); the new one is read.
            await Houses.WaitUntilAsync(() => agent.Health.Single(h => h.DeviceName == "ev").Reads >= 2, "the added device is read");
            Assert.True(agent.Health.Single(h => h.DeviceName == "meter").Reads >= meterReadsBefore);
            await Houses.WaitUntilAsync(
                () => PublishedReading.Parse(publisher.Messages.Where(m => m.Topic.StartsWith("cohort/h1/", StringComparison.Ordinal)).Select(m => (m.Topic, m.Payload))).Any(r => r.Device == "ev"),
                "the added device's readings are published");

            // The same configuration again changes nothing.
            await subscriber.DeliverAsync(ConfigTopic, updated);
            Assert.Equal("unchanged", LastStatus(publisher).GetProperty("status").GetString());
            await agent.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("""{ "devices": [ { "name": "meter", "type": "simulated", "simulation": { "model": "load" } }, { "name": "pv", "type": "simulated", "intervalMs": -5, "simulation": { "model": "pv" } } ] }""", "$.devices[1].intervalMs")]
    [InlineData("""{ "devices": [ { "name": "meter", "type": "simulated", "simulation": { "model": "load" }, "intervalMS2": 5 } ] }""", "$.devices[0].intervalMS2")]
    [InlineData("""{ "devices": [ { "name": "meter", "type": "sunspec" } ] }""", "$.devices[0].type")]
    [InlineData("""{ "house": "h2", "devices": [] }""", "$.house")]
    [InlineData("""{ "devices": [ { "name": "meter", """, "$.devices[0]")]
    public async Task A_malformed_configuration_is_rejected_naming_the_property_and_the_old_one_keeps_running(string bad, string path)
    {
        using var folder = new TempFolder();
        var publisher = new FakePublisher();
        var subscriber = new FakeSubscriber();
        var file = folder.File("devices.json");
        var original = Houses.Json(20, "meter", "battery");
        await File.WriteAllTextAsync(file, original);
        var (services, agent) = Agent(folder, publisher, subscriber);
        await using (services)
        {
            await agent.StartAsync(CancellationToken.None);
            await agent.Subscribed;
            var running = agent.Configuration;

            await subscriber.DeliverAsync(ConfigTopic, bad);

            var status = LastStatus(publisher);
            Assert.Equal("rejected", status.GetProperty("status").GetString());
            var paths = status.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("path").GetString()).ToList();
            Assert.Contains(paths, p => p!.StartsWith(path, StringComparison.Ordinal));
            Assert.Same(running, agent.Configuration);
            Assert.Equal(original, await File.ReadAllTextAsync(file));

            // The old devices are still polled and published.
            var before = agent.Health.ToDictionary(h => h.DeviceName, h => h.Reads);
            await Houses.WaitUntilAsync(() => agent.Health.All(h => h.Reads > before[h.DeviceName] + 1), "the old devices keep being read");
            await agent.StopAsync(CancellationToken.None);
            Assert.Equal(["battery", "meter"], agent.Health.Select(h => h.DeviceName).Order());
        }
    }

    [Fact]
    public async Task The_configuration_file_wins_over_the_one_in_code_at_start()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("devices.json"), Houses.Json(20, "from-file"));
        var (services, agent) = Houses.Agent(new FakePublisher(), new FakeSubscriber(), o =>
        {
            o.Configuration = Houses.Parse(Houses.Json(20, "from-code"));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
        });
        await using (services)
        {
            await agent.StartAsync(CancellationToken.None);
            Assert.Equal("h1", agent.House);
            Assert.Equal(["from-file"], agent.Configuration!.Devices.Select(d => d.Name));
            await agent.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_bad_configuration_file_fails_the_start_naming_the_property()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("devices.json"), """{ "house": "h1", "devices": [ { "name": "meter", "type": "simulated", "timeoutMs": 0, "simulation": { "model": "load" } } ] }""");
        var (services, agent) = Houses.Agent(new FakePublisher(), new FakeSubscriber(), o =>
        {
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
        });
        await using (services)
        {
            var error = await Assert.ThrowsAsync<Cohort.Devices.Configuration.DeviceConfigurationException>(() => agent.StartAsync(CancellationToken.None));
            Assert.Contains(error.Problems, p => p.Path == "$.devices[0].timeoutMs");
            await agent.StopAsync(CancellationToken.None); // nothing to stop
            Assert.False(Directory.Exists(folder.File("buffer")));
        }
    }

    private static (Microsoft.Extensions.DependencyInjection.ServiceProvider, EdgeAgent) Agent(TempFolder folder, FakePublisher publisher, FakeSubscriber subscriber) =>
        Houses.Agent(publisher, subscriber, o =>
        {
            o.House = "h1";
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
            o.StatusTopic = "cohort_config/{tenant}/status";
        });

    private static JsonElement LastStatus(FakePublisher publisher)
    {
        var message = publisher.Messages.Last(m => m.Topic == StatusTopic);
        Assert.Equal("application/json", message.ContentType);
        return JsonDocument.Parse(message.Payload).RootElement.Clone();
    }
}
