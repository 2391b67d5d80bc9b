using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Protocol;

namespace Cohort.Testing.Servers.Tests;

/// <summary>A broker with a password file and a per-device ACL, shared by this class only.</summary>
#pragma warning disable CA1001 // xunit disposes the server through IAsyncLifetime.DisposeAsync
public sealed class MosquittoAuthTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly MosquittoServer server = new(new MosquittoServerOptions
    {
        Users = { ["watch-1"] = "s3cret", ["watch-2"] = "other" },
        Acl = "pattern readwrite devices/%u/#",
    });

    public Task InitializeAsync() => server.StartAsync();

    public Task DisposeAsync() => server.DisposeAsync().AsTask();

    [Fact]
    public async Task Refuses_a_bad_password()
    {
        var result = await TryConnectAsync("watch-1", "wrong");

        // Mosquitto 2.0 answers "not authorised" (0x87) to a wrong password; the MQTT 5 spec also allows 0x86.
        Assert.Contains(result, new[] { MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadUserNameOrPassword });
    }

    [Fact]
    public async Task Refuses_anonymous_clients_when_there_are_users()
    {
        var result = await TryConnectAsync(null, null);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result);
    }

    [Fact]
    public async Task Accepts_a_good_password()
    {
        Assert.Equal(MqttClientConnectResultCode.Success, await TryConnectAsync("watch-2", "other"));
    }

    [Fact]
    public async Task A_device_may_publish_to_its_own_topics_only()
    {
        using var device = await MosquittoServerTests.ConnectAsync(server, "watch-1", "s3cret");

        var own = await device.PublishAsync(MosquittoServerTests.Message("devices/watch-1/hr", "70"));
        var other = await device.PublishAsync(MosquittoServerTests.Message("devices/watch-2/hr", "70"));

        Assert.True(own.IsSuccess, own.ReasonCode.ToString()); // "no matching subscribers" is a success too
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, other.ReasonCode);
    }

    [Fact]
    public async Task Writes_the_password_and_acl_files_it_was_given()
    {
        Assert.NotNull(server.PasswordFilePath);
        var users = (await File.ReadAllLinesAsync(server.PasswordFilePath)).Select(l => l.Split(':')[0]);
        Assert.Equal(["watch-1", "watch-2"], users);
        Assert.Contains("pattern readwrite devices/%u/#", await File.ReadAllTextAsync(server.AclFilePath!), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", await File.ReadAllTextAsync(server.PasswordFilePath), StringComparison.Ordinal);
    }

    private async Task<MqttClientConnectResultCode> TryConnectAsync(string? user, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(server.Host, server.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCredentials(user, password)
            .Build();
        try
        {
            var result = await client.ConnectAsync(options);
            return result.ResultCode;
        }
        catch (MqttConnectingFailedException e)
        {
            throw new InvalidOperationException("CONNECT failed: " + e.Message, e);
        }
    }
}
