using System.Text;
using Cohort.Core;
using Cohort.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Tests.Source;

public sealed class MqttIngestSourceTests
{
    private const int Houses = 4;

    private static EmbeddedBrokerOptions Broker()
    {
        var options = new EmbeddedBrokerOptions { Port = 0 };
        options.Services["collector"] = "collector-secret";
        for (var h = 0; h < Houses; h++)
        {
            options.Devices.Add(new EmbeddedBrokerDevice { Username = $"meter-{h}", Password = $"p{h}", Tenant = $"house-{h}" });
        }

        return options;
    }

    private static void Collector(MqttSourceOptions o, string host, int port, string root, string? user = "collector", string? password = "collector-secret")
    {
        o.Connection.Host = host;
        o.Connection.Port = port;
        o.Connection.Username = user;
        o.Connection.Password = password;
        o.Connection.ReconnectMinDelay = TimeSpan.FromMilliseconds(50);
        o.Connection.ReconnectMaxDelay = TimeSpan.FromMilliseconds(500);
        o.Topics.Add(new MqttSourceTopic(root + "/{tenant}/{device}"));
        o.Topics.Add(new MqttSourceTopic(root + "_json/{tenant}/{device}", "application/json"));
    }

    private static async Task WaitSubscribedAsync(SourceHost host, IMqttMessagePublisher publisher, string root)
    {
        // Probe until a message reaches the store: the source subscribed (a probe tenant kept apart from the data).
        var probe = 0;
        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (!host.Store.HasProbe)
        {
            await publisher.PublishAsync($"{root}/probe/p", TestSupport.Utf8($"probe v=1i {++probe}"), "text/plain", guard.Token);
            await Task.Delay(50, guard.Token);
        }
    }

    private static async Task PublishManyAsync(IMqttMessagePublisher publisher, string root, int count, int from = 0)
    {
        // Several publishes in flight on one connection, each awaited until its PUBACK.
        var next = from - 1;
        var workers = Enumerable.Range(0, 32).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < from + count)
            {
                await TestSupport.PublishUntilAckedAsync(publisher, $"{root}/house-{i % Houses}/meter-{i % 7}", $"power w={i}i {1_700_000_000_000_000_000L + i}");
            }
        });
        await Task.WhenAll(workers);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("mosquitto")]
    public async Task A_hundred_thousand_messages_land_in_the_store_with_none_lost_or_duplicated(string broker)
    {
        const int count = 100_000;
        // Mosquitto drops QoS 1 messages queued beyond max_queued_messages (1,000 by default) for a busy subscriber:
        // a collector's broker must lift that limit, as this one does.
        await using var embedded = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = 0 });
        await using var dedicated = new MosquittoServer(new MosquittoServerOptions { ExtraConfig = "max_queued_messages 0" });
        var (host, port) = broker == "embedded" ? await StartAsync(embedded) : await StartAsync(dedicated);
        var root = TestSupport.UniqueTopicRoot();
        await using var pipeline = await SourceHost.StartAsync(o =>
        {
            Collector(o, host, port, root, user: null, password: null);
            o.MaxConcurrency = 256;

            // The zero-loss configuration: if the connection drops under load, the broker redelivers what was not acknowledged.
            o.Connection.ClientId = "collector-" + root;
            o.Connection.SessionExpiry = TimeSpan.FromHours(1);
        });
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(host, port));
        await WaitSubscribedAsync(pipeline, publisher, root);

        await PublishManyAsync(publisher, root, count);
        await pipeline.Store.WaitForCountAsync(count);

        var data = pipeline.Store.Points.ToList();
        Assert.Equal(count, data.Count);
        Assert.Equal(count, data.Select(p => p.Point["w"]!.Value.AsInt64()).Distinct().Count());
        Assert.All(data, p => Assert.Equal($"house-{p.Point["w"]!.Value.AsInt64() % Houses}", p.Tenant));
        Assert.All(data.Take(1000), p => Assert.Equal($"meter-{p.Point["w"]!.Value.AsInt64() % 7}", p.Point.Tags["device"]));
        Assert.Empty(pipeline.DeadLetters.Entries);
    }

    [Fact]
    public async Task Bad_input_is_dead_lettered_with_its_reason_while_good_records_land()
    {
        await using var broker = new EmbeddedMqttBroker(Broker());
        await broker.StartAsync();
        var root = "cohort";
        await using var pipeline = await SourceHost.StartAsync(
            o =>
            {
                Collector(o, broker.Address, broker.Port, root);
                o.MaxPayloadBytes = 1_000;
            },
            ingestion: o => o.SourceTenants["collector"] = new HashSet<string> { "probe", "house-0", "house-1", "house-2", "house-3" });
        await using var publisher = MqttConnectionFactory.Create(As(broker, "collector", "collector-secret"));
        await WaitSubscribedAsync(pipeline, publisher, root);

        await publisher.PublishAsync("cohort/house-1/egauge", TestSupport.Utf8("power w=1i 1000\npower w=oops 2000\npower w=3i 3000"), "text/plain");
        await publisher.PublishAsync("cohort_json/house-2/pv", TestSupport.Utf8("""{"measurement":"pv","fields":{"w":5},"timestamp":1000"""), "application/json");
        await publisher.PublishAsync("cohort/house-3/big", new byte[1_001], "text/plain");
        await publisher.PublishAsync("cohort/house-99/egauge", TestSupport.Utf8("power w=9i 9000"), "text/plain");
        await publisher.PublishAsync("cohort/bad.tenant/egauge", TestSupport.Utf8("power w=9i 9000"), "text/plain");
        await publisher.PublishAsync("cohort/house-1/egauge", TestSupport.Utf8("power w=4i 4000"), "text/plain; precision=bogus");
        await pipeline.DeadLetters.WaitForCountAsync(6);
        await pipeline.Store.WaitForCountAsync(2); // the two good lines

        var house1 = pipeline.Store.Points.Where(p => p.Tenant == "house-1").Select(p => p.Point["w"]!.Value.AsInt64()).Order().ToArray();
        Assert.Equal([1L, 3L], house1);
        Assert.All(pipeline.Store.Points.Where(p => p.Tenant == "house-1"), p => Assert.Equal("egauge", p.Point.Tags["device"]));
        var letters = pipeline.DeadLetters.Entries;
        Assert.Contains(letters, d => d.Stage == "decode" && d.Tenant == "house-1" && d.Line == 2);
        Assert.Contains(letters, d => d.Stage == "decode" && d.Tenant == "house-2");
        Assert.Contains(letters, d => d.Stage == "decode" && d.Tenant == "house-3" && d.Reason.Contains("1001 bytes", StringComparison.Ordinal));
        Assert.Contains(letters, d => d.Stage == "authorize" && d.Tenant == "house-99");
        Assert.Contains(letters, d => d.Stage == "authorize" && d.Tenant == "bad.tenant");
        Assert.Contains(letters, d => d.Tenant == "house-1" && d.Field == "content-type");
        Assert.All(letters, d => Assert.Equal("collector", d.SourceId));
    }

    [Fact]
    public async Task A_device_cannot_write_into_another_house_through_the_embedded_broker()
    {
        await using var broker = new EmbeddedMqttBroker(Broker());
        await broker.StartAsync();
        await using var pipeline = await SourceHost.StartAsync(o => Collector(o, broker.Address, broker.Port, "cohort"));
        await using var collectorSide = MqttConnectionFactory.Create(As(broker, "collector", "collector-secret"));
        await WaitSubscribedAsync(pipeline, collectorSide, "cohort");
        await using var device = MqttConnectionFactory.Create(As(broker, "meter-0", "p0"));

        var refused = await Assert.ThrowsAsync<MqttDeliveryException>(() => device.PublishAsync("cohort/house-1/egauge", TestSupport.Utf8("power w=666i 1"), "text/plain").AsTask());
        await device.PublishAsync("cohort/house-0/egauge", TestSupport.Utf8("power w=1i 1"), "text/plain");
        await pipeline.Store.WaitForCountAsync(1);

        Assert.False(refused.IsTransient);
        Assert.DoesNotContain(pipeline.Store.Points, p => p.Tenant == "house-1");
        Assert.Contains(pipeline.Store.Points, p => p.Tenant == "house-0" && p.Point["w"]!.Value.AsInt64() == 1);
    }

    [Fact]
    public async Task A_sink_outage_holds_nothing_back_from_senders_and_the_store_catches_up()
    {
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = 0 });
        await broker.StartAsync();
        await using var pipeline = await SourceHost.StartAsync(o => Collector(o, broker.Address, broker.Port, "cohort", null, null));
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(broker.Address, broker.Port));
        await WaitSubscribedAsync(pipeline, publisher, "cohort");

        pipeline.Store.Down = true;
        await PublishManyAsync(publisher, "cohort", 2_000);
        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (Volatile.Read(ref pipeline.Store.FailedWrites) == 0)
        {
            await Task.Delay(20, guard.Token);
        }

        Assert.Equal(0, pipeline.Store.Count); // the store was down while all 2,000 were acknowledged
        pipeline.Store.Down = false;
        await pipeline.Store.WaitForCountAsync(2_000);
        Assert.Equal(2_000, pipeline.Store.Count);
    }

    [Fact]
    public async Task A_broker_restart_mid_stream_loses_nothing_with_a_persistent_session()
    {
        await using var server = new MosquittoServer(new MosquittoServerOptions { Persistence = true });
        await server.StartAsync();
        await using var pipeline = await SourceHost.StartAsync(o =>
        {
            Collector(o, server.Host, server.Port, "cohort", null, null);
            o.Connection.ClientId = "collector-" + Guid.NewGuid().ToString("N")[..8];
            o.Connection.SessionExpiry = TimeSpan.FromHours(1);
        });
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(server.Host, server.Port));
        await WaitSubscribedAsync(pipeline, publisher, "cohort");

        var publishing = PublishManyAsync(publisher, "cohort", 6_000);
        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (pipeline.Store.Count < 1_000)
        {
            await Task.Delay(10, guard.Token);
        }

        await server.RestartAsync();
        await publishing;
        await pipeline.Store.WaitForCountAsync(6_000);
        Assert.Equal(6_000, pipeline.Store.Count);
    }

    [Fact]
    public async Task Readiness_completes_once_subscribed_and_a_message_published_right_after_it_lands()
    {
        // The embedded broker keeps nothing for a subscriber it has not seen: had readiness completed before the
        // subscription, the single message below would be dropped and the store would stay empty.
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = 0 });
        await broker.StartAsync();
        await using var pipeline = await SourceHost.StartAsync(o =>
        {
            o.Connection.Host = broker.Address;
            o.Connection.Port = broker.Port;
            o.Topics.Add(new MqttSourceTopic("ready/{tenant}/{device}"));
        });
        var readiness = pipeline.Services.GetRequiredService<MqttSourceReadiness>();
        await readiness.WhenSubscribedAsync().WaitAsync(TestSupport.Guard);
        Assert.True(readiness.IsSubscribed);

        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(broker.Address, broker.Port));
        await TestSupport.PublishUntilAckedAsync(publisher, "ready/house-1/meter", "power w=1i 1700000000000000000");
        await pipeline.Store.WaitForCountAsync(1);
        Assert.Equal("house-1", Assert.Single(pipeline.Store.Points).Tenant);
    }

    [Fact]
    public async Task The_timestamp_level_dates_lines_without_a_timestamp_and_variables_become_tags()
    {
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = 0 });
        await broker.StartAsync();
        await using var pipeline = await SourceHost.StartAsync(o =>
        {
            o.Connection.Host = broker.Address;
            o.Connection.Port = broker.Port;
            o.Topics.Add(new MqttSourceTopic("sgmp/{tenant}/{device_id}/{device}/{timestamp}/data", "application/json"));
            o.Topics.Add(new MqttSourceTopic("sgmp/{tenant}/{device}"));
        });
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(broker.Address, broker.Port));
        await WaitSubscribedAsync(pipeline, publisher, "sgmp");

        await publisher.PublishAsync("sgmp/house-7/12/egauge/1700000000123/data", TestSupport.Utf8("""{"measurement":"power","fields":{"w":812}}"""), "");
        await pipeline.Store.WaitForCountAsync(1);

        var (tenant, point) = pipeline.Store.Points.Single(p => p.Tenant == "house-7");
        Assert.Equal("house-7", tenant);
        Assert.Equal(1_700_000_000_123_000_000L, point.Timestamp);
        Assert.Equal("egauge", point.Tags["device"]);
        Assert.Equal("12", point.Tags["device_id"]);
        Assert.Null(point.Tags["timestamp"]);
    }

    [Fact]
    public async Task The_config_publisher_retains_the_configuration_for_devices_that_connect_later()
    {
        await using var broker = new EmbeddedMqttBroker(Broker());
        await broker.StartAsync();
        var services = new ServiceCollection();
        services.AddCohortMqttClient(o =>
        {
            o.Host = broker.Address;
            o.Port = broker.Port;
            o.Username = "collector";
            o.Password = "collector-secret";
        });
        services.AddCohortMqttConfigPublisher();
        await using var provider = services.BuildServiceProvider();
        var publisher = provider.GetRequiredService<MqttConfigPublisher>();
        Assert.Equal("cohort_config/house-2/devices", publisher.TopicFor(new Tenant("house-2")));
        await publisher.PublishAsync(new Tenant("house-2"), TestSupport.Utf8("""{"interval":"5s"}"""));

        await using var device = MqttConnectionFactory.Create(As(broker, "meter-2", "p2"));
        var received = new Received();
        await using var subscription = await device.SubscribeAsync("cohort_config/house-2/devices", received.Handle);
        var message = await received.Reader.ReadWithGuardAsync();
        Assert.Equal("""{"interval":"5s"}""", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal("application/json", message.ContentType);
        Assert.Throws<FormatException>(() => new MqttConfigPublisher(publisher: provider.GetRequiredService<IMqttMessagePublisher>(), "cfg/{tenant}/{device}"));
    }

    [Fact]
    public async Task A_template_without_a_tenant_fails_the_host_start_naming_it()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SourceHost.StartAsync(o =>
        {
            o.Topics.Add(new MqttSourceTopic("cohort/{device}"));
            o.SharedGroup = "a/b";
        }));
        Assert.Contains(error.Failures, f => f.StartsWith("MqttSourceOptions.Topics[0]:", StringComparison.Ordinal) && f.Contains("{tenant}", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("MqttSourceOptions.SharedGroup:", StringComparison.Ordinal));
    }

    private static async Task<(string Host, int Port)> StartAsync(EmbeddedMqttBroker broker)
    {
        await broker.StartAsync();
        return (broker.Address, broker.Port);
    }

    private static async Task<(string Host, int Port)> StartAsync(MosquittoServer server)
    {
        await server.StartAsync();
        return (server.Host, server.Port);
    }

    private static MqttConnectionOptions As(EmbeddedMqttBroker broker, string user, string password)
    {
        var options = TestSupport.FastReconnect(broker.Address, broker.Port);
        options.Username = user;
        options.Password = password;
        return options;
    }
}
