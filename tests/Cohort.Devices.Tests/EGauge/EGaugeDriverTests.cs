using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers.EGauge;
using Cohort.Devices.Tests.Http;

namespace Cohort.Devices.Tests.EGauge;

public sealed class EGaugeDriverTests : IDisposable
{
    private readonly TestHttpServer _server = new();
    private readonly EGaugeDriver _driver = new(TimeProvider.System);

    public void Dispose()
    {
        _driver.Dispose();
        _server.Dispose();
    }

    /// <summary>A response in the shape of the meter's <c>/cgi-bin/egauge?inst</c> XML.</summary>
    private static string Inst(long ts, long solar, long grid, double solarNow = 2500, double gridNow = -700) => $"""
        <?xml version="1.0" encoding="UTF-8" ?>
        <data serial="0x3b4a2f1c">
         <ts>{ts}</ts>
         <r t="P" n="Grid" did="0"><v>{grid}</v><i>{gridNow}</i></r>
         <r t="P" n="Solar" did="1"><v>{solar}</v><i>{solarNow}</i></r>
         <r t="V" n="L1 Voltage" did="2"><v>1234567</v><i>121.5</i></r>
        </data>
        """;

    private DeviceConfiguration Device() => new()
    {
        Name = "egauge",
        Type = EGaugeDriver.TypeName,
        TimeoutMs = 5_000,
        Connection = new DeviceConnection { Url = _server.Url() },
        Fields = [new DeviceField { Name = "Solar" }, new DeviceField { Name = "grid_w", Source = "Grid", Scale = 1000 }],
    };

    [Fact]
    public async Task Power_is_the_register_delta_over_the_time_delta_in_kilowatts()
    {
        var responses = new Queue<string>([Inst(1_000_000, 5_000_000, 9_000_000), Inst(1_000_004, 5_012_000, 8_996_000)]);
        _server.Respond = _ => (200, "text/xml", responses.Dequeue());
        var device = Device();

        await _driver.ReadAsync(device);
        var second = await _driver.ReadAsync(device);

        Assert.Equal(3.0, second["Solar"]!.Value.AsDouble(), 9);       // 12,000 W·s / 4 s / 1000
        Assert.Equal(-1000.0, second["grid_w"]!.Value.AsDouble(), 9);  // -4,000 / 4 / 1000 kW, scaled to W
        Assert.All(_server.Requests, r => Assert.Equal("/cgi-bin/egauge?inst", r.PathAndQuery));
    }

    [Fact]
    public async Task First_read_uses_the_instantaneous_value()
    {
        _server.Respond = _ => (200, "text/xml", Inst(1_000_000, 5_000_000, 9_000_000, solarNow: 2500, gridNow: -700));

        var first = await _driver.ReadAsync(Device());

        Assert.Equal(2.5, first["Solar"]!.Value.AsDouble(), 9);
        Assert.Equal(-700.0, first["grid_w"]!.Value.AsDouble(), 9);
    }

    [Fact]
    public async Task Same_meter_time_reuses_the_instantaneous_value_instead_of_dividing_by_zero()
    {
        _server.Respond = _ => (200, "text/xml", Inst(1_000_000, 5_000_000, 9_000_000, solarNow: 1800));
        var device = Device();

        await _driver.ReadAsync(device);
        var again = await _driver.ReadAsync(device);

        Assert.Equal(1.8, again["Solar"]!.Value.AsDouble(), 9);
    }

    [Fact]
    public async Task Registers_absent_from_the_response_are_left_out()
    {
        _server.Respond = _ => (200, "text/xml", Inst(1_000_000, 5_000_000, 9_000_000));
        var device = Device() with { Fields = [new DeviceField { Name = "Solar" }, new DeviceField { Name = "EV" }] };

        var reading = await _driver.ReadAsync(device);

        Assert.Equal(["Solar"], reading.Fields.Select(f => f.Key));
    }

    [Fact]
    public async Task Response_without_a_timestamp_is_a_permanent_device_error()
    {
        _server.Respond = _ => (200, "text/xml", "<data><r n=\"Solar\"><v>1</v></r></data>");

        var error = await Assert.ThrowsAsync<DeviceException>(async () => await _driver.ReadAsync(Device()));

        Assert.False(error.IsTransient);
        Assert.Contains("<ts>", error.Message);
    }

    [Fact]
    public async Task Url_with_a_path_is_used_as_given()
    {
        _server.Respond = _ => (200, "text/xml", Inst(1, 1, 1));

        await _driver.ReadAsync(Device() with { Connection = new DeviceConnection { Url = _server.Url("/cgi-bin/egauge?inst&tot") } });

        Assert.Equal("/cgi-bin/egauge?inst&tot", Assert.Single(_server.Requests).PathAndQuery);
    }
}
