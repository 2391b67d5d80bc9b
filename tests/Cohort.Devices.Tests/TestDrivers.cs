using Cohort.Devices.Drivers;
using Cohort.Devices.Drivers.EGauge;
using Cohort.Devices.Drivers.Http;
using Cohort.Devices.Drivers.Modbus;
using Cohort.Devices.Drivers.Simulated;

namespace Cohort.Devices.Tests;

internal static class TestDrivers
{
    public static DeviceDriverRegistry Registry(TimeProvider? time = null, params (string Type, IDeviceDriver Driver)[] extra)
    {
        time ??= TimeProvider.System;
        var drivers = new List<KeyValuePair<string, IDeviceDriver>>
        {
            new(ModbusDriver.TypeName, new ModbusDriver(time)),
            new(HttpJsonDriver.TypeName, new HttpJsonDriver(time)),
            new(EGaugeDriver.TypeName, new EGaugeDriver(time)),
            new(SimulatedDriver.TypeName, new SimulatedDriver(time)),
        };
        drivers.AddRange(extra.Select(e => KeyValuePair.Create(e.Type, e.Driver)));
        return new DeviceDriverRegistry(drivers);
    }

    /// <summary>Waits (in real time) until a condition holds; for synchronising with background tasks, not for timing assertions.</summary>
    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        for (var i = 0; i < 2_000; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(5);
        }

        Assert.Fail("Gave up waiting until " + what);
    }
}
