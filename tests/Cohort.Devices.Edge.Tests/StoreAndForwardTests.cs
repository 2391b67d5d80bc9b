using Cohort.Devices.Edge.Agent;
using Cohort.Devices.Edge.Forwarding;
using Xunit;

namespace Cohort.Devices.Edge.Tests;

/// <summary>Ordering, retry and replay of the store-and-forward path, with a publisher the test takes down.</summary>
public sealed class StoreAndForwardTests
{
    [Fact]
    public async Task Every_reading_is_published_once_and_in_order_across_a_publisher_outage()
    {
        using var folder = new TempFolder();
        var publisher = new FakePublisher();
        var (services, agent) = Houses.Agent(publisher, new FakeSubscriber(), o =>
        {
            o.House = "h1";
            o.Configuration = Houses.Parse(Houses.Json(15, "meter", "battery", "ev"));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
            o.MaxReadingsPerMessage = 4; // the backlog spans several messages per device: they must keep their order
        });
        await using (services)
        {
            await agent.StartAsync(CancellationToken.None);
            await Houses.WaitUntilAsync(() => publisher.Messages.Count >= 5, "some readings are published");
            publisher.TakeDown();
            var readsAtDown = agent.Health.Sum(h => h.Reads);
            await Houses.WaitUntilAsync(() => publisher.Failures >= 3 && agent.Health.Sum(h => h.Reads) >= readsAtDown + 30 && agent.BacklogBytes > 0, "readings pile up while the publisher is down");
            publisher.BringUp();
            await Houses.WaitUntilAsync(() => agent.BacklogBytes == 0, "the backlog is published");
            await agent.StopAsync(CancellationToken.None);

            var published = PublishedReading.Parse(publisher.Messages.Select(m => (m.Topic, m.Payload)));
            AssertEveryReadingOnceInOrder(agent, published);
            Assert.All(publisher.Messages, m => Assert.Equal(Forwarder.ContentType, m.ContentType));
            Assert.All(published, r => Assert.Equal("cohort/h1/" + r.Device, r.Topic));
            Assert.All(publisher.Messages, m => Assert.InRange(m.Payload.Count(c => c == '\n'), 1, 4));
            Assert.Contains(publisher.Messages, m => m.Payload.Count(c => c == '\n') > 1);
        }
    }

    [Fact]
    public async Task A_restarted_agent_publishes_what_the_previous_one_stored()
    {
        using var folder = new TempFolder();
        var down = new FakePublisher();
        down.TakeDown();
        void Configure(Cohort.Devices.Edge.EdgeAgentOptions o)
        {
            o.House = "h1";
            o.Configuration = Houses.Parse(Houses.Json(10, "meter", "pv"));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
        }

        var (first, agent1) = Houses.Agent(down, new FakeSubscriber(), Configure);
        IReadOnlyList<Polling.DeviceHealth> stored;
        await using (first)
        {
            await agent1.StartAsync(CancellationToken.None);
            await Houses.WaitUntilAsync(() => agent1.Health.Sum(h => h.Reads) >= 20, "readings are stored");
            await agent1.StopAsync(CancellationToken.None);
            stored = agent1.Health;
            Assert.True(agent1.BacklogBytes > 0 || down.Messages.Count == 0);
        }

        Assert.Empty(down.Messages);
        var up = new FakePublisher();
        var (second, agent2) = Houses.Agent(up, new FakeSubscriber(), Configure);
        await using (second)
        {
            await agent2.StartAsync(CancellationToken.None);
            var expected = stored.Sum(h => h.Reads);
            await Houses.WaitUntilAsync(() => agent2.Published >= expected, "the stored readings are published");
            await agent2.StopAsync(CancellationToken.None);
            var published = PublishedReading.Parse(up.Messages.Select(m => (m.Topic, m.Payload)));
            foreach (var device in stored)
            {
                var timestamps = published.Where(r => r.Device == device.DeviceName).Select(r => r.Timestamp).ToList();
                Assert.Equal(device.Reads + agent2.Health.Single(h => h.DeviceName == device.DeviceName).Reads, timestamps.Count);
                Assert.True(timestamps.SequenceEqual(timestamps.Order()), "readings of " + device.DeviceName + " are out of order");
                Assert.Equal(timestamps.Count, timestamps.Distinct().Count());
            }
        }
    }

    [Fact]
    public async Task A_full_buffer_refuses_new_readings_and_keeps_the_stored_ones_in_order()
    {
        using var folder = new TempFolder();
        var publisher = new FakePublisher();
        publisher.TakeDown();
        var (services, agent) = Houses.Agent(publisher, new FakeSubscriber(), o =>
        {
            o.House = "h1";
            o.Configuration = Houses.Parse(Houses.Json(5, "meter", "pv"));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
            o.Buffer.SegmentBytes = 1024;
            o.Buffer.MaxBytes = 4096;
        });
        await using (services)
        {
            await agent.StartAsync(CancellationToken.None);
            await Houses.WaitUntilAsync(() => agent.Health.Sum(h => h.Reads) >= 150, "many more readings than the buffer holds");
            var backlog = agent.BacklogBytes;
            Assert.InRange(backlog, 1, 4096);
            publisher.BringUp();
            await Houses.WaitUntilAsync(() => agent.BacklogBytes == 0, "the stored readings are published");
            await agent.StopAsync(CancellationToken.None);
            var published = PublishedReading.Parse(publisher.Messages.Select(m => (m.Topic, m.Payload)));
            Assert.True(published.Count < agent.Health.Sum(h => h.Reads), "some readings were refused while the buffer was full");
            foreach (var device in published.GroupBy(r => r.Device))
            {
                var timestamps = device.Select(r => r.Timestamp).ToList();
                Assert.True(timestamps.SequenceEqual(timestamps.Order()), "readings of " + device.Key + " are out of order");
                Assert.Equal(timestamps.Count, timestamps.Distinct().Count());
            }
        }
    }

    [Fact]
    public async Task The_SGMP_topic_layout_gives_each_reading_its_own_message_with_its_time()
    {
        using var folder = new TempFolder();
        var publisher = new FakePublisher();
        var (services, agent) = Houses.Agent(publisher, new FakeSubscriber(), o =>
        {
            o.House = "client7";
            o.TopicTemplate = "sgmp_read/{tenant}/{device_id}/{device}/{timestamp}/data";
            o.Configuration = Houses.Parse(Houses.Json(15, "egauge", "sonnen"));
            o.ConfigurationPath = folder.File("devices.json");
            o.Buffer.Directory = folder.File("buffer");
        });
        await using (services)
        {
            await agent.StartAsync(CancellationToken.None);
            await Houses.WaitUntilAsync(() => publisher.Messages.Count >= 10, "readings are published");
            await agent.StopAsync(CancellationToken.None);
            var messages = publisher.Messages;
            Assert.All(messages, m => Assert.Single(m.Payload.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            var published = PublishedReading.Parse(messages.Select(m => (m.Topic, m.Payload)));
            Assert.All(published, r => Assert.Equal($"sgmp_read/client7/{r.Device}/{r.Device}/{r.Timestamp / 1_000_000}/data", r.Topic));
            AssertEveryReadingOnceInOrder(agent, published);
        }
    }

    internal static void AssertEveryReadingOnceInOrder(EdgeAgent agent, List<PublishedReading> published)
    {
        Assert.NotEmpty(agent.Health);
        foreach (var device in agent.Health)
        {
            var timestamps = published.Where(r => r.Device == device.DeviceName).Select(r => r.Timestamp).ToList();
            Assert.Equal(device.Reads, timestamps.Count);
            Assert.True(timestamps.SequenceEqual(timestamps.Order()), "readings of " + device.DeviceName + " are out of order");
            Assert.Equal(timestamps.Count, timestamps.Distinct().Count());
        }
    }
}
