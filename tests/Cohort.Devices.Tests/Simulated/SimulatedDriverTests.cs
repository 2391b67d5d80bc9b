using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers.Simulated;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Devices.Tests.Simulated;

public sealed class SimulatedDriverTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 3, 20, 0, 0, 0, TimeSpan.Zero);

    private static DeviceConfiguration Device(string model, int seed = 1, double? capacityWh = null, params DeviceField[] fields) => new()
    {
        Name = model + "-sim",
        Type = SimulatedDriver.TypeName,
        Simulation = new SimulationSettings { Model = model, Seed = seed, CapacityWh = capacityWh },
        Fields = fields,
    };

    private static async Task<List<DeviceReading>> ReadEvery(DeviceConfiguration device, TimeSpan step, TimeSpan span, DateTimeOffset? start = null)
    {
        var time = new FakeTimeProvider(start ?? Midnight);
        var driver = new SimulatedDriver(time);
        var readings = new List<DeviceReading>();
        for (var t = TimeSpan.Zero; t <= span; t += step)
        {
            readings.Add(await driver.ReadAsync(device));
            time.Advance(step);
        }

        return readings;
    }

    private static double Number(DeviceReading reading, string field) => reading[field]!.Value.AsDouble();

    [Property(MaxTest = 200)]
    public bool Pv_is_zero_at_night_and_never_above_its_rating(int seed, ushort minute)
    {
        var time = new FakeTimeProvider(Midnight.AddMinutes(minute % 1440));
        var power = Number(new SimulatedDriver(time).ReadAsync(Device("pv", seed)).AsTask().Result, "power");
        var hour = (minute % 1440) / 60.0;
        var night = hour < 5.5 || hour > 18.5;
        return power >= 0 && power <= 5_000 && (!night || power == 0);
    }

    [Fact]
    public async Task Pv_follows_a_bell_peaking_around_noon()
    {
        var day = await ReadEvery(Device("pv", seed: 3), TimeSpan.FromMinutes(5), TimeSpan.FromHours(24));
        double Mean(int fromHour, int toHour) => day.Where(r => r.Time.Hour >= fromHour && r.Time.Hour < toHour).Average(r => Number(r, "power"));

        Assert.Equal(0, Mean(0, 5));
        Assert.True(Mean(11, 13) > Mean(8, 9));
        Assert.True(Mean(8, 9) > Mean(6, 7));
        Assert.True(Mean(11, 13) > Mean(15, 16));
    }

    [Fact]
    public async Task Readings_are_deterministic_from_seed_and_time()
    {
        var noon = Midnight.AddHours(12);
        var a = await ReadEvery(Device("pv", seed: 5), TimeSpan.FromMinutes(7), TimeSpan.FromHours(2), noon);
        var b = await ReadEvery(Device("pv", seed: 5), TimeSpan.FromMinutes(7), TimeSpan.FromHours(2), noon);
        var other = await ReadEvery(Device("pv", seed: 6), TimeSpan.FromMinutes(7), TimeSpan.FromHours(2), noon);

        Assert.Equal(a.Select(r => Number(r, "power")), b.Select(r => Number(r, "power")));
        Assert.NotEqual(a.Select(r => Number(r, "power")), other.Select(r => Number(r, "power")));
        Assert.Equal(noon, a[0].Time);
    }

    [Fact]
    public async Task Battery_soc_stays_within_limits_and_energy_balances()
    {
        var readings = await ReadEvery(Device("battery", capacityWh: 4_000), TimeSpan.FromMinutes(10), TimeSpan.FromDays(3));
        var first = readings[0];
        var last = readings[^1];

        Assert.All(readings, r => Assert.InRange(Number(r, "soc"), 0, 100));
        var storedWh = (Number(last, "soc") - Number(first, "soc")) / 100 * 4_000;
        Assert.Equal(storedWh, Number(last, "chargedWh") - Number(last, "dischargedWh"), 6);
        Assert.Contains(readings, r => Number(r, "soc") == 100);
        Assert.Contains(readings, r => Number(r, "soc") == 0);
    }

    [Fact]
    public async Task Battery_stops_charging_when_full_and_discharging_when_empty()
    {
        var readings = await ReadEvery(Device("battery", capacityWh: 2_000), TimeSpan.FromMinutes(10), TimeSpan.FromDays(2));

        Assert.Contains(readings, r => Number(r, "power") > 0);
        Assert.Contains(readings, r => Number(r, "power") < 0);
        Assert.DoesNotContain(readings, r => Number(r, "soc") >= 100 && Number(r, "power") > 0);
        Assert.DoesNotContain(readings, r => Number(r, "soc") <= 0 && Number(r, "power") < 0);
    }

    [Fact]
    public async Task Ev_sessions_arrive_in_the_evening_and_charge_at_constant_power_until_full()
    {
        var readings = await ReadEvery(Device("ev", seed: 11), TimeSpan.FromMinutes(1), TimeSpan.FromDays(4));
        var arrivals = readings.Zip(readings.Skip(1)).Where(p => !p.First["charging"]!.Value.AsBoolean() && p.Second["charging"]!.Value.AsBoolean()).Select(p => p.Second).ToList();

        Assert.InRange(arrivals.Count, 3, 5);
        Assert.All(arrivals, r => Assert.InRange(r.Time.Hour, 17, 21));
        Assert.All(readings, r => Assert.Contains(Number(r, "power"), new[] { 0d, 7_200d }));
        Assert.All(readings, r => Assert.InRange(Number(r, "sessionEnergyWh"), 0, 40_000));
        Assert.All(readings.Where(r => r["charging"]!.Value.AsBoolean()), r => Assert.Equal(7_200, Number(r, "power")));
    }

    [Fact]
    public async Task Household_load_has_morning_and_evening_peaks()
    {
        var day = await ReadEvery(Device("load", seed: 2), TimeSpan.FromMinutes(5), TimeSpan.FromHours(24));
        double Mean(double fromHour, double toHour) => day.Where(r => r.Time.TimeOfDay.TotalHours >= fromHour && r.Time.TimeOfDay.TotalHours < toHour).Average(r => Number(r, "power"));

        Assert.All(day, r => Assert.InRange(Number(r, "power"), 1, 4_000));
        Assert.True(Mean(7, 8) > 2 * Mean(2, 4));
        Assert.True(Mean(18.5, 19.5) > Mean(7, 8));
        Assert.True(Mean(18.5, 19.5) > 2 * Mean(13, 15));
    }

    [Fact]
    public async Task Fields_pick_outputs_by_source_with_scale_and_offset()
    {
        var device = Device("battery", fields: [new DeviceField { Name = "soc_fraction", Source = "soc", Scale = 0.01 }, new DeviceField { Name = "power" }]);

        var reading = (await ReadEvery(device, TimeSpan.FromMinutes(1), TimeSpan.Zero))[0];

        Assert.Equal(["soc_fraction", "power"], reading.Fields.Select(f => f.Key));
        Assert.Equal(0.5, Number(reading, "soc_fraction"), 9);
    }

    [Fact]
    public async Task Latency_longer_than_the_timeout_fails_as_a_transient_timeout()
    {
        var time = new FakeTimeProvider(Midnight);
        var driver = new SimulatedDriver(time);
        var device = Device("load") with { TimeoutMs = 1_000, Simulation = new SimulationSettings { Model = "load", LatencyMs = 5_000 } };

        var read = driver.ReadAsync(device).AsTask();
        await TestDrivers.WaitUntil(
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                return read.IsCompleted;
            },
            "the read ends");

        var error = await Assert.ThrowsAsync<DeviceException>(() => read);
        Assert.True(error.IsTransient);
        Assert.True(time.GetUtcNow() - Midnight < TimeSpan.FromSeconds(5));
    }
}
