using System.Text;
using Cohort.Core;

namespace Cohort.Storage.InfluxDB.Internal;

/// <summary>InfluxQL quoting: identifiers in double quotes, string literals in single quotes, backslash escapes.</summary>
internal static class InfluxQl
{
    public static string Identifier(string name) => "\"" + Escape(name, '"') + "\"";

    public static string Literal(string value) => "'" + Escape(value, '\'') + "'";

    private static string Escape(string text, char quote)
    {
        var builder = new StringBuilder(text.Length + 2);
        foreach (var c in text)
        {
            if (c == quote || c == '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// A Unix-nanosecond time as RFC 3339 with all nine fractional digits (what <c>/api/v2/delete</c> takes), e.g.
    /// <c>1677-09-21T00:12:43.145224194Z</c>.
    /// </summary>
    public static string Rfc3339Nano(long unixNanoseconds)
    {
        var seconds = Math.DivRem(unixNanoseconds, 1_000_000_000L, out var nanoseconds);
        if (nanoseconds < 0)
        {
            seconds--;
            nanoseconds += 1_000_000_000L;
        }

        var time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "." +
               nanoseconds.ToString("D9", System.Globalization.CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>Parses a series key of <c>SHOW SERIES</c> (<c>m,k=v</c> with <c>\,</c> <c>\ </c> <c>\=</c> escapes).</summary>
    public static SeriesKey ParseSeriesKey(string key)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var equalsAt = new List<int>();
        var partEquals = -1;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c == '\\' && i + 1 < key.Length && key[i + 1] is ',' or ' ' or '=')
            {
                current.Append(key[++i]);
            }
            else if (c == ',')
            {
                parts.Add(current.ToString());
                equalsAt.Add(partEquals);
                current.Clear();
                partEquals = -1;
            }
            else
            {
                if (c == '=' && partEquals < 0)
                {
                    partEquals = current.Length;
                }

                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        equalsAt.Add(partEquals);
        var tags = new List<Tag>(parts.Count - 1);
        for (var p = 1; p < parts.Count; p++)
        {
            var at = equalsAt[p];
            if (at > 0)
            {
                tags.Add(new Tag(parts[p][..at], parts[p][(at + 1)..]));
            }
        }

        return new SeriesKey(parts[0], tags.Count == 0 ? TagSet.Empty : TagSet.Create(tags));
    }
}
