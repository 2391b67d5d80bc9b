using System.Globalization;

namespace Cohort.Studies.Internal;

/// <summary>A daily local-time window <c>HH:mm-HH:mm</c>, which may wrap midnight (<c>22:00-07:00</c>).</summary>
internal readonly record struct QuietHours(TimeOnly Start, TimeOnly End)
{
    public static bool TryParse(string? text, out QuietHours hours)
    {
        hours = default;
        var parts = text?.Split('-');
        if (parts is not { Length: 2 }
            || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            return false;
        }

        hours = new QuietHours(start, end);
        return true;
    }

    public bool Contains(TimeOnly time) => Start <= End ? time >= Start && time < End : time >= Start || time < End;
}
