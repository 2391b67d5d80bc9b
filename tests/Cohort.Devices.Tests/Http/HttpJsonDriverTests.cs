using Cohort.Core;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers.Http;

namespace Cohort.Devices.Tests.Http;

public sealed class HttpJsonDriverTests : IDisposable
{
    private const string Status = """
        { "USOC": 87, "Pac_total_W": -1520.5, "online": true, "mode": "auto", "missing": null,
          "a": { "b": [ { "c": 4.25 }, { "c": 5 } ], "odd key": 12 } }
        """;

    private readonly TestHttpServer _server = new();
    private readonly HttpJsonDriver _driver = new(TimeProvider.System);

    public HttpJsonDriverTests()
    {
        _server.Respond = _ => (200, "application/json", Status);
    }

    public void Dispose()
    {
        _driver.Dispose();
        _server.Dispose();
    }

    private DeviceConfiguration Device(DeviceConnection? connection = null, params DeviceField[] fields) => new()
    {
        Name = "sonnen",
        Type = HttpJsonDriver.TypeName,
        TimeoutMs = 5_000,
        Connection = connection ?? new DeviceConnection { Url = _server.Url("/api/v2/status") },
        Fields = fields.Length > 0 ? fields : [new DeviceField { Name = "soc", Path = "$.USOC" }],
    };

    [Fact]
    public async Task Picks_fields_by_json_path_with_scale_and_offset()
    {
        var device = Device(null,
            new DeviceField { Name = "soc", Path = "$.USOC" },
            new DeviceField { Name = "battery_kw", Path = "$.Pac_total_W", Scale = 0.001 },
            new DeviceField { Name = "second_c", Path = "$.a.b[1].c", Offset = 1 },
            new DeviceField { Name = "first_c", Path = "$['a'].b[0]['c']" },
            new DeviceField { Name = "odd", Path = "$.a['odd key']" },
            new DeviceField { Name = "online", Path = "$.online" },
            new DeviceField { Name = "mode", Path = "$.mode" });

        var reading = await _driver.ReadAsync(device);

        Assert.Equal(87d, reading["soc"]!.Value.AsDouble());
        Assert.Equal(-1.5205, reading["battery_kw"]!.Value.AsDouble(), 9);
        Assert.Equal(6d, reading["second_c"]!.Value.AsDouble());
        Assert.Equal(4.25, reading["first_c"]!.Value.AsDouble());
        Assert.Equal(12d, reading["odd"]!.Value.AsDouble());
        Assert.Equal(FieldValue.FromBoolean(true), reading["online"]);
        Assert.Equal(FieldValue.FromString("auto"), reading["mode"]);
        Assert.Equal("/api/v2/status", Assert.Single(_server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Leaves_out_fields_that_are_missing_or_null()
    {
        var device = Device(null,
            new DeviceField { Name = "soc", Path = "$.USOC" },
            new DeviceField { Name = "gone", Path = "$.nope.deeper" },
            new DeviceField { Name = "null", Path = "$.missing" },
            new DeviceField { Name = "past_end", Path = "$.a.b[7].c" });

        var reading = await _driver.ReadAsync(device);

        Assert.Equal(["soc"], reading.Fields.Select(f => f.Key));
    }

    [Fact]
    public async Task Sends_a_bearer_token_resolved_from_the_environment()
    {
        var variable = "COHORT_TEST_TOKEN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "tok-123");
        try
        {
            await _driver.ReadAsync(Device(new DeviceConnection { Url = _server.Url(), Token = SecretReference.FromEnvironment(variable) }));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Equal("Bearer tok-123", Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public async Task Sends_basic_credentials_with_a_password_from_a_file()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "pa:ss\n");
        try
        {
            await _driver.ReadAsync(Device(new DeviceConnection { Url = _server.Url(), Username = "owner", Password = SecretReference.FromFile(file) }));
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal("Basic " + Convert.ToBase64String("owner:pa:ss"u8.ToArray()), Assert.Single(_server.Requests).Authorization);
    }

    [Theory]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    public async Task Error_statuses_are_device_errors_transient_only_for_server_trouble(int status, bool transient)
    {
        _server.Respond = _ => (status, "text/plain", "no");

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(Device()));

        Assert.Equal(transient, error.IsTransient);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public async Task Error_messages_leave_out_the_user_information_and_query_which_may_hold_credentials()
    {
        _server.Respond = _ => (500, "text/plain", "no");

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(Device(new DeviceConnection { Url = new Uri($"http://admin:pa55@127.0.0.1:{_server.Port}/status?api_key=s3cr3t") })));

        Assert.Contains("/status", error.Message);
        Assert.DoesNotContain("s3cr3t", error.Message);
        Assert.DoesNotContain("pa55", error.Message);
    }

    [Fact]
    public async Task Body_that_is_not_json_is_a_permanent_device_error()
    {
        _server.Respond = _ => (200, "text/html", "<html>login</html>");

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(Device()));

        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Slow_server_times_out_as_a_transient_error()
    {
        var release = new TaskCompletionSource();
        _server.Hold = release.Task;
        try
        {
            var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(Device() with { TimeoutMs = 300 }));

            Assert.True(error.IsTransient);
            Assert.Contains("no answer within 300 ms", error.Message);
        }
        finally
        {
            release.SetResult();
        }
    }

    [Theory]
    [InlineData("$.a.b[0].c", true)]
    [InlineData("$['a b'][2]", true)]
    [InlineData("$", true)]
    [InlineData("a.b", false)]
    [InlineData("$..a", false)]
    [InlineData("$.a[*]", false)]
    [InlineData("$.a['b", false)]
    public void Json_path_subset_accepts_members_and_indexes_only(string path, bool valid)
    {
        Assert.Equal(valid, JsonPathSubset.TryParse(path, out _, out _));
    }
}
