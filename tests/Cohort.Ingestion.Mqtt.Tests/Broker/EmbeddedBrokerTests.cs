using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Cohort.Ingestion.Mqtt.Broker;
using Cohort.Testing.Servers;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Tests.Broker;

public sealed class EmbeddedBrokerTests
{
    private static EmbeddedBrokerOptions TwoHouses()
    {
        var options = new EmbeddedBrokerOptions { Port = 0 };
        options.Devices.Add(new EmbeddedBrokerDevice { Username = "meter-7", Password = "secret-7", Tenant = "house-7" });
        options.Devices.Add(new EmbeddedBrokerDevice { Username = "meter-8", Password = "secret-8", Tenant = "house-8" });
        options.Services["collector"] = "collector-secret";
        return options;
    }

    /// <summary>
    /// meter-7 (allowed to write under house-7 only) publishes to its own house, to house-8, then to its own house again:
    /// the foreign publish is refused as not authorized (not transient), and the collector sees only the two own messages.
    /// </summary>
    private static async Task AssertCrossHousePublishRefusedAsync(Func<string, string, MqttConnectionOptions> login)
    {
        await using var collector = MqttConnectionFactory.Create(login("collector", "collector-secret"));
        await using var device = MqttConnectionFactory.Create(login("meter-7", "secret-7"));
        var received = new Received();
        await using var subscription = await collector.SubscribeAsync("cohort/#", received.Handle);

        await device.PublishAsync("cohort/house-7/egauge", TestSupport.Utf8("own"), "text/plain");
        var error = await Assert.ThrowsAsync<MqttDeliveryException>(() => device.PublishAsync("cohort/house-8/egauge", TestSupport.Utf8("foreign"), "text/plain").AsTask());
        await device.PublishAsync("cohort/house-7/egauge", TestSupport.Utf8("own again"), "text/plain");

        Assert.False(error.IsTransient);
        Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
        Assert.Equal("own", await received.NextTextAsync());
        Assert.Equal("own again", await received.NextTextAsync()); // the foreign message never reached the collector
    }

    private static MqttConnectionOptions As(EmbeddedMqttBroker broker, string user, string password)
    {
        var options = TestSupport.FastReconnect(broker.Address, broker.Port);
        options.Username = user;
        options.Password = password;
        return options;
    }

    [Fact]
    public async Task A_device_publishing_to_another_house_is_refused_logged_as_refused_and_counted()
    {
        using var meters = new TestMeterFactory();
        await using var broker = new EmbeddedMqttBroker(TwoHouses(), meterFactory: meters);
        await broker.StartAsync();
        using var refused = new MetricCollector<long>(meters.Created.Single(), "cohort.mqtt.broker.refused");
        await AssertCrossHousePublishRefusedAsync((user, password) => As(broker, user, password));
        var measurement = Assert.Single(refused.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("publish", measurement.Tags["action"]);
    }

    [Theory]
    [InlineData("cohort_config/house-7/devices", true)]
    [InlineData("cohort_config/house-7/#", true)]
    [InlineData("cohort_config/house-8/devices", false)]
    [InlineData("cohort_config/+/devices", false)]
    [InlineData("cohort_config/#", false)]
    [InlineData("cohort/house-7/egauge", false)]
    public async Task A_device_may_subscribe_only_to_its_own_houses_config(string filter, bool allowed)
    {
        await using var broker = new EmbeddedMqttBroker(TwoHouses());
        await broker.StartAsync();
        await using var device = MqttConnectionFactory.Create(As(broker, "meter-7", "secret-7"));
        if (allowed)
        {
            await using var subscription = await device.SubscribeAsync(filter, (_, _) => ValueTask.CompletedTask);
            Assert.True(device.IsConnected);
        }
        else
        {
            var error = await Assert.ThrowsAsync<MqttDeliveryException>(() => device.SubscribeAsync(filter, (_, _) => ValueTask.CompletedTask).AsTask());
            Assert.False(error.IsTransient, error.ToString());
            Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_embedded_broker_refuses_shared_subscriptions_which_need_a_clustered_broker()
    {
        await using var broker = new EmbeddedMqttBroker(TwoHouses());
        await broker.StartAsync();
        await using var collector = MqttConnectionFactory.Create(As(broker, "collector", "collector-secret"));
        var error = await Assert.ThrowsAsync<MqttDeliveryException>(() => collector.SubscribeAsync("$share/g/cohort/#", (_, _) => ValueTask.CompletedTask).AsTask());
        Assert.False(error.IsTransient);
        Assert.Contains("SharedSubscriptionsNotSupported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("meter-7", "wrong", "BadUserNameOrPassword")]
    [InlineData("nobody", "secret-7", "BadUserNameOrPassword")]
    [InlineData(null, null, "NotAuthorized")]
    public async Task Bad_credentials_and_anonymous_clients_are_refused_at_connect(string? user, string? password, string reason)
    {
        using var meters = new TestMeterFactory();
        await using var broker = new EmbeddedMqttBroker(TwoHouses(), meterFactory: meters);
        await broker.StartAsync();
        using var refused = new MetricCollector<long>(meters.Created.Single(), "cohort.mqtt.broker.refused");
        var options = As(broker, user!, password!);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        await using var client = MqttConnectionFactory.Create(options);
        var error = await Assert.ThrowsAsync<MqttDeliveryException>(() => client.ConnectAsync().AsTask());
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient); // the client keeps retrying with backoff, but callers learn that waiting will not help
        Assert.All(refused.GetMeasurementSnapshot(), m => Assert.Equal("connect", m.Tags["action"]));
        Assert.NotEmpty(refused.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Mosquitto_with_an_acl_file_refuses_the_same_cross_house_publish()
    {
        var options = new MosquittoServerOptions
        {
            Acl = """
                user collector
                topic read cohort/#
                user meter-7
                topic write cohort/house-7/#
                user meter-8
                topic write cohort/house-8/#
                """,
        };
        options.Users["collector"] = "collector-secret";
        options.Users["meter-7"] = "secret-7";
        options.Users["meter-8"] = "secret-8";
        await using var server = new MosquittoServer(options);
        await server.StartAsync();
        MqttConnectionOptions Login(string user, string password)
        {
            var o = TestSupport.FastReconnect(server.Host, server.Port);
            o.Username = user;
            o.Password = password;
            return o;
        }

        await AssertCrossHousePublishRefusedAsync(Login);
    }

    [Fact]
    public async Task Port_zero_picks_a_free_port_that_survives_a_restart()
    {
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = 0 });
        Assert.Equal(0, broker.Port);
        await broker.StartAsync();
        var port = broker.Port;
        Assert.NotEqual(0, port);
        Assert.True(broker.IsRunning);

        await using var client = MqttConnectionFactory.Create(TestSupport.FastReconnect(broker.Address, port));
        var received = new Received();
        await using var subscription = await client.SubscribeAsync("any/#", received.Handle);
        await broker.StopAsync();
        Assert.False(broker.IsRunning);
        await broker.StartAsync();
        Assert.Equal(port, broker.Port);

        await client.ConnectAsync();
        await TestSupport.PublishUntilAckedAsync(client, "any/thing", "back");
        Assert.Equal("back", await received.NextTextAsync()); // anonymous by default, and the subscription was renewed
    }

    [Fact]
    public async Task A_device_with_a_client_certificate_connects_over_tls_without_a_password_and_keeps_to_its_house()
    {
        using var certificates = new TestCertificates();
        using var deviceCertificate = certificates.Issue("CN=meter-9");
        var options = TwoHouses();
        options.ServerCertificate = certificates.Server;
        options.TlsPort = 0;
        options.ClientCertificateAuthorities.Add(certificates.AuthorityPublic);
        options.Devices.Add(new EmbeddedBrokerDevice { Username = "meter-9", CertificateThumbprint = deviceCertificate.GetCertHashString(HashAlgorithmName.SHA256), Tenant = "house-9" });
        await using var broker = new EmbeddedMqttBroker(options);
        await broker.StartAsync();

        var tls = TestSupport.FastReconnect(broker.Address, broker.TlsPort!.Value);
        tls.UseTls = true;
        tls.ClientCertificate = deviceCertificate;
        tls.TrustedCertificates.Add(certificates.AuthorityPublic);
        await using var device = MqttConnectionFactory.Create(tls);
        await device.PublishAsync("cohort/house-9/pv", TestSupport.Utf8("own"), "text/plain");
        var error = await Assert.ThrowsAsync<MqttDeliveryException>(() => device.PublishAsync("cohort/house-7/pv", TestSupport.Utf8("foreign"), "text/plain").AsTask());
        Assert.False(error.IsTransient);

        // A client that does not trust the broker's CA does not connect.
        var untrusting = TestSupport.FastReconnect(broker.Address, broker.TlsPort!.Value);
        untrusting.UseTls = true;
        untrusting.ClientCertificate = deviceCertificate;
        untrusting.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        await using var stranger = MqttConnectionFactory.Create(untrusting);
        var refused = await Assert.ThrowsAsync<MqttDeliveryException>(() => stranger.ConnectAsync().AsTask());
        Assert.True(refused.IsTransient);
    }

    [Fact]
    public void Invalid_broker_options_name_the_device_and_property()
    {
        var options = new EmbeddedBrokerOptions { Port = 70000 };
        options.Devices.Add(new EmbeddedBrokerDevice { Username = "d", Password = "p", Tenant = "a/b" });
        options.Devices.Add(new EmbeddedBrokerDevice { Username = "d", Tenant = "h" });
        options.DevicePublishTopics.Add("cohort/{house}/#");
        var error = Assert.Throws<OptionsValidationException>(() => new EmbeddedMqttBroker(options));
        Assert.Contains(error.Failures, f => f.StartsWith("EmbeddedBrokerOptions.Port:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("EmbeddedBrokerOptions.Devices[0].Tenant:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("EmbeddedBrokerOptions.Devices[1].Username:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("EmbeddedBrokerOptions.Devices[1]: a device needs", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("{house}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cohort/h7/#", "cohort/h7/#", true)]
    [InlineData("cohort/h7/#", "cohort/h7/+/x", true)]
    [InlineData("cohort/h7/#", "cohort/+/x", false)]
    [InlineData("cohort/+/devices", "cohort/h7/devices", true)]
    [InlineData("cohort/+/devices", "cohort/+/devices", true)]
    [InlineData("cohort/+/devices", "cohort/#", false)]
    [InlineData("cohort/h7/devices", "cohort/h7/devices/x", false)]
    [InlineData("cohort/h7/devices", "$share/g/cohort/h7/devices", true)]
    public void Acl_filter_coverage(string allowed, string requested, bool covers) =>
        Assert.Equal(covers, TopicAcl.Covers(allowed, requested));

    [Theory]
    [InlineData("#")]
    [InlineData("a/+")]
    [InlineData("")]
    [InlineData("x/y")]
    public void A_value_that_is_not_one_level_cannot_widen_a_pattern(string tenant) =>
        Assert.Null(TopicAcl.Expand("cohort/{tenant}/#", tenant, "u", "c"));

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
