namespace Cohort.Devices.Configuration;

/// <summary>The model behind a simulated device. Readings depend only on these settings, the seed and the time.</summary>
public sealed record SimulationSettings
{
    /// <summary><c>pv</c>, <c>battery</c>, <c>ev</c> or <c>load</c>.</summary>
    public string Model { get; init; } = string.Empty;

    /// <summary>Seeds the noise (clouds, load noise, EV arrivals).</summary>
    public int Seed { get; init; }

    /// <summary>Peak power in watts: PV rated power, battery and EV charger power, household peak load.</summary>
    public double? RatedPowerW { get; init; }

    /// <summary>Battery capacity or EV energy need upper bound, in watt-hours.</summary>
    public double? CapacityWh { get; init; }

    /// <summary>Battery state of charge at the first read, in percent (50 when absent).</summary>
    public double? InitialSocPct { get; init; }

    /// <summary>Offset of local time from UTC, in hours, for the daily shapes (sunrise, peaks, evening arrivals).</summary>
    public double UtcOffsetHours { get; init; }

    /// <summary>How long each read takes, in milliseconds (0 by default): a way to simulate slow devices.</summary>
    public int LatencyMs { get; init; }
}
