using Cohort.Devices.Configuration;

namespace Cohort.Quickstart.Simulation;

/// <summary>The simulated houses: each has rooftop PV, a home battery, an EV charger and the household load.</summary>
internal static class SimulatedHouses
{
    /// <summary>The house id (the tenant) of house <paramref name="number"/> (1-based).</summary>
    public static string Id(int number) => $"house-{number}";

    /// <summary>
    /// The district of a house, the group of the cross-house aggregate: every third house is in "south", so with the
    /// default six houses "south" has two, fewer than the privacy threshold, and its aggregate is suppressed.
    /// </summary>
    public static string District(int number) => number % 3 == 0 ? "south" : "north";

    /// <summary>The device configuration of house <paramref name="number"/>, as its <c>devices.json</c> would hold it.</summary>
    /// <param name="number">The house number, 1-based; it seeds the simulation, so every run reads the same day.</param>
    /// <param name="interval">The simulated polling interval.</param>
    public static HouseConfiguration Create(int number, TimeSpan interval)
    {
        var intervalMs = (int)interval.TotalMilliseconds;
        DeviceConfiguration Device(string name, SimulationSettings simulation) => new()
        {
            Name = name,
            Type = "simulated",
            IntervalMs = intervalMs,

            // Simulated time: an hour of it is about a second of wall time at the default speed, so a read never
            // times out because the machine is busy.
            TimeoutMs = (int)TimeSpan.FromHours(1).TotalMilliseconds,
            Simulation = simulation,
        };

        return new HouseConfiguration
        {
            House = Id(number),
            Devices =
            [
                Device("pv", new SimulationSettings { Model = "pv", Seed = number * 10 + 1, RatedPowerW = 4_000 + (number % 3) * 1_500 }),
                Device("battery", new SimulationSettings { Model = "battery", Seed = number * 10 + 2, RatedPowerW = 5_000, CapacityWh = 13_500, InitialSocPct = 40 + (number % 4) * 10 }),
                Device("ev", new SimulationSettings { Model = "ev", Seed = number * 10 + 3, RatedPowerW = number % 2 == 0 ? 11_000 : 7_200 }),
                Device("load", new SimulationSettings { Model = "load", Seed = number * 10 + 4, RatedPowerW = 3_000 + (number % 5) * 500 }),
            ],
        };
    }
}
