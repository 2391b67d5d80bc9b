using System.Globalization;

namespace Cohort.Formulas.Parsing;

/// <summary>Durations written as a whole number and a unit: <c>500ms</c>, <c>30s</c>, <c>15m</c>, <c>1h</c>, <c>7d</c>.</summary>
internal static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var split = 0;
        while (split < text.Length && char.IsAsciiDigit(text[split]))
        {
            split++;
        }

        return split > 0 && split < text.Length && TryFromUnit(text.AsSpan(0, split), text[split..], out duration);
    }

    public static bool TryFromUnit(ReadOnlySpan<char> digits, string unit, out TimeSpan duration)
    {
        duration = default;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        long ticksPerUnit = unit switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            "d" => TimeSpan.TicksPerDay,
            _ => 0,
        };
        if (ticksPerUnit == 0 || amount > TimeSpan.MaxValue.Ticks / ticksPerUnit)
        {
            return false;
        }

        duration = TimeSpan.FromTicks(amount * ticksPerUnit);
        return true;
    }

    /// <summary>The shortest exact form: the largest unit that divides the duration (milliseconds at least).</summary>
    public static string Format(TimeSpan duration)
    {
        var ticks = duration.Ticks;
        foreach (var (unitTicks, unit) in Units)
        {
            if (ticks % unitTicks == 0)
            {
                return (ticks / unitTicks).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return (ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
    }

    private static readonly (long Ticks, string Unit)[] Units =
    [
        (TimeSpan.TicksPerDay, "d"),
        (TimeSpan.TicksPerHour, "h"),
        (TimeSpan.TicksPerMinute, "m"),
        (TimeSpan.TicksPerSecond, "s"),
        (TimeSpan.TicksPerMillisecond, "ms"),
    ];
}
