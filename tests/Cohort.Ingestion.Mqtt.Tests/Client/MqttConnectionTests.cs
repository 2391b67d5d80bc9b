using System.Text;
using Cohort.Ingestion.Mqtt.Client;
using Cohort.Testing.Servers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Tests.Client;

public sealed class MqttConnectionTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task Publish_and_subscribe_round_trip_through_mosquitto_with_content_type_and_order()
    {
        var root = TestSupport.UniqueTopicRoot();
        await using var subscriber = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        var received = new Received();
        await using var handle = await subscriber.SubscribeAsync($"{root}/+/data", received.Handle);

        for (var i = 0; i < 20; i++)
        {
            await publisher.PublishAsync($"{root}/h{i % 3}/data", TestSupport.Utf8($"m,i={i} v={i}i"), i % 2 == 0 ? "text/plain" : "application/json");
        }

        await publisher.PublishAsync($"{root}/h0/other", TestSupport.Utf8("not for this filter"), "text/plain");
        for (var i = 0; i < 20; i++)
        {
            var message = await received.Reader.ReadWithGuardAsync();
            Assert.Equal($"{root}/h{i % 3}/data", message.Topic);
            Assert.Equal($"m,i={i} v={i}i", Encoding.UTF8.GetString(message.Payload.Span));
            Assert.Equal(i % 2 == 0 ? "text/plain" : "application/json", message.ContentType);
        }

        Assert.True(publisher.IsConnected);
        Assert.False(received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Shared_subscriptions_split_one_topic_between_collectors()
    {
        var root = TestSupport.UniqueTopicRoot();
        await using var first = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        await using var second = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        ValueTask Collect(string who, MqttIncomingMessage message)
        {
            Assert.True(seen.TryAdd(Encoding.UTF8.GetString(message.Payload.Span), who), "a message reached both members of the group");
            return ValueTask.CompletedTask;
        }

        await using var a = await first.SubscribeAsync($"$share/collectors/{root}/#", (m, _) => Collect("first", m));
        await using var b = await second.SubscribeAsync($"$share/collectors/{root}/#", (m, _) => Collect("second", m));
        for (var i = 0; i < 100; i++)
        {
            await publisher.PublishAsync($"{root}/h/d", TestSupport.Utf8(i.ToString()), "text/plain");
        }

        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (seen.Count < 100)
        {
            await Task.Delay(20, guard.Token);
        }

        Assert.Equal(100, seen.Count);
        Assert.Contains("first", seen.Values);
        Assert.Contains("second", seen.Values);
    }

    [Fact]
    public async Task Broker_restart_reconnects_and_renews_subscriptions()
    {
        await using var server = new MosquittoServer();
        await server.StartAsync();
        var root = TestSupport.UniqueTopicRoot();
        await using var subscriber = MqttConnectionFactory.Create(TestSupport.FastReconnect(server.Host, server.Port));
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(server.Host, server.Port));
        var received = new Received();
        await using var handle = await subscriber.SubscribeAsync($"{root}/#", received.Handle);
        await publisher.PublishAsync($"{root}/a", TestSupport.Utf8("before"), "text/plain");
        Assert.Equal("before", await received.NextTextAsync());

        await server.RestartAsync(); // a fresh broker: no persistence, so the subscription exists only if the client renews it

        await subscriber.ConnectAsync();
        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (true)
        {
            // The subscriber may renew its subscription after the publisher is back: publish again until it arrives.
            await TestSupport.PublishUntilAckedAsync(publisher, $"{root}/b", "after");
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(guard.Token);
            wait.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                var message = await received.Reader.ReadAsync(wait.Token);
                Assert.Equal("after", Encoding.UTF8.GetString(message.Payload.Span));
                break;
            }
            catch (OperationCanceledException) when (!guard.IsCancellationRequested)
            {
            }
        }

        Assert.True(subscriber.IsConnected);
    }

    [Fact]
    public async Task Publish_while_the_broker_is_down_fails_with_a_transient_delivery_error()
    {
        await using var server = new MosquittoServer();
        await server.StartAsync();
        var options = TestSupport.FastReconnect(server.Host, server.Port);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        await using var publisher = MqttConnectionFactory.Create(options);
        await publisher.PublishAsync("t/up", TestSupport.Utf8("up"), "text/plain");

        await server.StopAsync();
        var error = await Assert.ThrowsAsync<MqttDeliveryException>(async () =>
        {
            // The first publish may race the disconnect notice; every publish after the drop must fail the same way.
            for (var i = 0; i < 50; i++)
            {
                await publisher.PublishAsync("t/down", TestSupport.Utf8("down"), "text/plain");
                await Task.Delay(20);
            }
        });
        Assert.True(error.IsTransient);
        Assert.False(publisher.IsConnected);

        await server.StartAsync();
        await TestSupport.PublishUntilAckedAsync(publisher, "t/again", "again");
        Assert.True(publisher.IsConnected);
    }

    [Fact]
    public async Task A_broker_that_never_answers_gives_a_transient_error_naming_the_address()
    {
        var port = FreePort();
        var options = TestSupport.FastReconnect("127.0.0.1", port);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        await using var connection = MqttConnectionFactory.Create(options);
        var error = await Assert.ThrowsAsync<MqttDeliveryException>(() => connection.PublishAsync("t/x", TestSupport.Utf8("x"), "text/plain").AsTask());
        Assert.True(error.IsTransient);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MqttDeliveryException>(() => connection.SubscribeAsync("t/#", (_, _) => ValueTask.CompletedTask).AsTask());
    }

    [Fact]
    public async Task Handler_sees_messages_one_at_a_time_and_acknowledges_after_it_returns()
    {
        var root = TestSupport.UniqueTopicRoot();
        await using var subscriber = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        await using var publisher = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        var inside = 0;
        var maxInside = 0;
        var count = 0;
        await using var handle = await subscriber.SubscribeAsync($"{root}/#", async (_, ct) =>
        {
            var now = Interlocked.Increment(ref inside);
            maxInside = Math.Max(maxInside, now);
            await Task.Delay(2, ct);
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref count);
        });
        for (var i = 0; i < 30; i++)
        {
            await publisher.PublishAsync($"{root}/x", TestSupport.Utf8("x"), "text/plain");
        }

        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (Volatile.Read(ref count) < 30)
        {
            await Task.Delay(10, guard.Token);
        }

        Assert.Equal(1, maxInside);
    }

    [Fact]
    public async Task Disposing_a_subscription_stops_its_messages()
    {
        var root = TestSupport.UniqueTopicRoot();
        await using var connection = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        var kept = new Received();
        var dropped = new Received();
        await using var keep = await connection.SubscribeAsync($"{root}/keep", kept.Handle);
        var drop = await connection.SubscribeAsync($"{root}/drop", dropped.Handle);
        await drop.DisposeAsync();
        await connection.PublishAsync($"{root}/drop", TestSupport.Utf8("gone"), "text/plain");
        await connection.PublishAsync($"{root}/keep", TestSupport.Utf8("here"), "text/plain");
        Assert.Equal("here", await kept.NextTextAsync());
        Assert.False(dropped.Reader.TryRead(out _));
    }

    [Fact]
    public void Invalid_options_are_refused_naming_the_property()
    {
        var options = new MqttConnectionOptions { Host = "", Port = 0, ReconnectMinDelay = TimeSpan.FromSeconds(5), ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        var error = Assert.Throws<OptionsValidationException>(() => MqttConnectionFactory.Create(options));
        Assert.Contains(error.Failures, f => f.StartsWith("MqttConnectionOptions.Host:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("MqttConnectionOptions.Port:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ReconnectMinDelay", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wildcard_topics_cannot_be_published()
    {
        await using var connection = MqttConnectionFactory.Create(TestSupport.FastReconnect(mosquitto.Host, mosquitto.Port));
        await Assert.ThrowsAsync<ArgumentException>(() => connection.PublishAsync("a/+/b", TestSupport.Utf8("x"), "text/plain").AsTask());
    }

    [Fact]
    public async Task AddCohortMqttClient_registers_one_connection_for_every_interface()
    {
        var services = new ServiceCollection();
        services.AddCohortMqttClient(o =>
        {
            o.Host = mosquitto.Host;
            o.Port = mosquitto.Port;
        });
        await using var provider = services.BuildServiceProvider();
        var connection = provider.GetRequiredService<IMqttConnection>();
        Assert.Same(connection, provider.GetRequiredService<IMqttMessagePublisher>());
        Assert.Same(connection, provider.GetRequiredService<IMqttTopicSubscriber>());

        var root = TestSupport.UniqueTopicRoot();
        var received = new Received();
        await using var handle = await provider.GetRequiredService<IMqttTopicSubscriber>().SubscribeAsync($"{root}/#", received.Handle);
        await provider.GetRequiredService<IMqttMessagePublisher>().PublishAsync($"{root}/x", TestSupport.Utf8("via DI"), "text/plain");
        Assert.Equal("via DI", await received.NextTextAsync());
    }

    [Property]
    public Property Reconnect_delays_double_with_jitter_within_the_cap()
    {
        var failures = Gen.Choose(0, 40).ToArbitrary();
        return Prop.ForAll(failures, n =>
        {
            var min = TimeSpan.FromMilliseconds(100);
            var max = TimeSpan.FromSeconds(10);
            var cap = Math.Min(100 * Math.Pow(2, Math.Min(n, 30)), 10_000);
            var delay = ReconnectBackoff.Delay(n, min, max).TotalMilliseconds;
            return delay >= (cap / 2) - 0.001 && delay <= cap + 0.001;
        });
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
