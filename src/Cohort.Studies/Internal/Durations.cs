using System.Globalization;

namespace Cohort.Studies.Internal;

/// <summary>Durations in manifests: a whole number and a unit, <c>30s</c>, <c>15m</c>, <c>1h</c>, <c>7d</c>, <c>2w</c>.</summary>
internal static class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text.Length < 2
            || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n > 100_000)
        {
            return false;
        }

        TimeSpan? unit = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            'w' => TimeSpan.FromDays(7),
            _ => null,
        };
        if (unit is null)
        {
            return false;
        }

        duration = unit.Value * n;
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not a duration like 30s, 15m, 1h, 7d or 2w.");

    public const string Expected = "must be a duration like 30s, 15m, 1h, 7d or 2w";
}
