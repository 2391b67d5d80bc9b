namespace Cohort.Devices.Drivers.Simulated;

/// <summary>
/// The daily shapes behind simulated devices. Every function depends only on its arguments (seed, time and ratings),
/// so readings are reproducible; the battery alone keeps state (its state of charge), see <see cref="BatteryState"/>.
/// </summary>
internal static class SimulatedModels
{
    private const double SecondsPerDay = 86_400;

    /// <summary>A uniform number in [0, 1) from a seed, a salt and a bucket (SplitMix64 finaliser).</summary>
    public static double Noise(int seed, int salt, long bucket)
    {
        var z = unchecked((ulong)bucket * 0x9E3779B97F4A7C15UL + ((ulong)(uint)seed << 32) + (uint)salt);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Local time in seconds since the Unix epoch.</summary>
    public static double LocalSeconds(DateTimeOffset time, double utcOffsetHours) =>
        (time.ToUnixTimeMilliseconds() / 1000.0) + (utcOffsetHours * 3600);

    /// <summary>Local day number and hour of day (0 to 24).</summary>
    public static (long Day, double Hour) DayAndHour(double localSeconds)
    {
        var day = (long)Math.Floor(localSeconds / SecondsPerDay);
        return (day, (localSeconds - (day * SecondsPerDay)) / 3600);
    }

    /// <summary>Sunrise and day length (hours) for a day: 12 h ± 3 h over the year, centred on noon.</summary>
    public static (double Sunrise, double DayLength) Sun(long day)
    {
        var dayOfYear = ((day % 365) + 365) % 365;
        var length = 12 + (3 * Math.Sin(2 * Math.PI * (dayOfYear - 80) / 365.0));
        return (12 - (length / 2), length);
    }

    /// <summary>PV power (W): a sin² bell between sunrise and sunset, dimmed by a daily cloudiness and 5-minute cloud noise; 0 at night.</summary>
    public static double PvPower(int seed, double localSeconds, double ratedW)
    {
        var (day, hour) = DayAndHour(localSeconds);
        var (sunrise, length) = Sun(day);
        var x = (hour - sunrise) / length;
        if (x <= 0 || x >= 1)
        {
            return 0;
        }

        var bell = Math.Pow(Math.Sin(Math.PI * x), 2);
        var cloudiness = 0.7 * Noise(seed, 1, day);
        var passing = Noise(seed, 2, (long)Math.Floor(localSeconds / 300));
        return ratedW * bell * (1 - (cloudiness * passing));
    }

    /// <summary>Household load (W): a base load, a morning peak near 07:30 and a larger evening peak near 19:00, ±10 % minute noise.</summary>
    public static double LoadPower(int seed, double localSeconds, double peakW)
    {
        var (_, hour) = DayAndHour(localSeconds);
        var shape = 0.08 + (0.4 * Gauss(hour, 7.5, 1.0)) + (0.8 * Gauss(hour, 19, 1.5));
        var noise = 0.9 + (0.2 * Noise(seed, 3, (long)Math.Floor(localSeconds / 60)));
        return peakW * Math.Min(1, shape * noise);
    }

    /// <summary>An EV session of a day: arrival between 17:00 and 21:00, energy need between 25 % and 100 % of capacity.</summary>
    public static (double ArrivalSeconds, double DurationSeconds, double EnergyWh) EvSession(int seed, long day, double powerW, double capacityWh)
    {
        var arrival = (day * SecondsPerDay) + ((17 + (4 * Noise(seed, 4, day))) * 3600);
        var energy = capacityWh * (0.25 + (0.75 * Noise(seed, 5, day)));
        return (arrival, energy / powerW * 3600, energy);
    }

    /// <summary>EV charger state: constant power from arrival until the session's energy is delivered (sessions may cross midnight).</summary>
    public static (double PowerW, bool Charging, double SessionEnergyWh) Ev(int seed, double localSeconds, double powerW, double capacityWh)
    {
        var (day, _) = DayAndHour(localSeconds);
        for (var d = day; d >= day - 1; d--)
        {
            var (arrival, duration, _) = EvSession(seed, d, powerW, capacityWh);
            if (localSeconds >= arrival && localSeconds < arrival + duration)
            {
                return (powerW, true, powerW * (localSeconds - arrival) / 3600);
            }
        }

        return (0, false, 0);
    }

    /// <summary>The battery's planned power (W, positive = charging): charge 10:00–15:00, discharge 17:00–23:00.</summary>
    public static double BatteryPlan(double localSeconds, double ratedW)
    {
        var (_, hour) = DayAndHour(localSeconds);
        return hour switch
        {
            >= 10 and < 15 => 0.6 * ratedW,
            >= 17 and < 23 => -0.8 * ratedW,
            _ => 0,
        };
    }

    private static double Gauss(double x, double mean, double sigma) => Math.Exp(-0.5 * Math.Pow((x - mean) / sigma, 2));
}

/// <summary>
/// A simulated battery's state of charge, integrated between reads in steps of at most one minute and held within
/// 0 and the capacity; the power reported is the planned power, cut to zero when full (charging) or empty (discharging).
/// </summary>
internal sealed class BatteryState(double localSeconds, double energyWh)
{
    private const double StepSeconds = 60;
    private readonly Lock _lock = new();

    public double LastSeconds { get; private set; } = localSeconds;

    public double EnergyWh { get; private set; } = energyWh;

    public double ChargedWh { get; private set; }

    public double DischargedWh { get; private set; }

    public (double PowerW, double SocPct, double ChargedWh, double DischargedWh) Advance(double localSeconds, double ratedW, double capacityWh)
    {
        lock (_lock)
        {
            while (LastSeconds < localSeconds)
            {
                var step = Math.Min(StepSeconds, localSeconds - LastSeconds);
                var plan = Limit(SimulatedModels.BatteryPlan(LastSeconds, ratedW), capacityWh);
                var energy = plan * step / 3600;
                var next = Math.Clamp(EnergyWh + energy, 0, capacityWh);
                var moved = next - EnergyWh;
                if (moved > 0)
                {
                    ChargedWh += moved;
                }
                else
                {
                    DischargedWh -= moved;
                }

                EnergyWh = next;
                LastSeconds += step;
            }

            var power = Limit(SimulatedModels.BatteryPlan(localSeconds, ratedW), capacityWh);
            return (power, 100 * EnergyWh / capacityWh, ChargedWh, DischargedWh);
        }
    }

    private double Limit(double plan, double capacityWh) =>
        (plan > 0 && EnergyWh >= capacityWh) || (plan < 0 && EnergyWh <= 0) ? 0 : plan;
}
