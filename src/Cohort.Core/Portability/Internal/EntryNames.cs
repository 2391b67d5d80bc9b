using System.Text;

namespace Cohort.Core.Portability.Internal;

/// <summary>
/// Zip entry names for measurements: <c>data/</c> + the name with every byte of its UTF-8 outside
/// <c>[A-Za-z0-9_-]</c> (and any <c>.</c>) written as <c>%XX</c> + <c>.lp</c>; when two names differ only in case
/// (a clash on case-insensitive file systems), the later gets <c>~2</c>, <c>~3</c>, ... before <c>.lp</c>.
/// </summary>
internal sealed class EntryNames
{
    public const string Manifest = "manifest.json";
    public const string DataFolder = "data/";

    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    public string For(string measurement)
    {
        var builder = new StringBuilder(DataFolder);
        foreach (var b in Encoding.UTF8.GetBytes(measurement))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b == (byte)'_' || b == (byte)'-')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var stem = builder.ToString();
        var name = stem + ".lp";
        for (var n = 2; !_used.Add(name); n++)
        {
            name = FormattableString.Invariant($"{stem}~{n}.lp");
        }

        return name;
    }
}
