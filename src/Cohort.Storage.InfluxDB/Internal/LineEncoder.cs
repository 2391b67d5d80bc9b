using System.Globalization;
using System.Text;
using Cohort.Core;

namespace Cohort.Storage.InfluxDB.Internal;

/// <summary>
/// Encodes one batch row (one field value) as one line of line protocol. One row per line keeps the mapping from a
/// server's error about a line back to the batch row exact. Unsigned integers are sent as the signed integer with the
/// same 64 bits (influxd 1.x is built without <c>u</c> support); the field's kind is recorded in the metadata database.
/// String values may hold line feeds: InfluxDB reads them inside quotes (Cohort's general writer refuses them).
/// </summary>
internal static class LineEncoder
{
    public static void AppendSeries(StringBuilder builder, SeriesKey series)
    {
        foreach (var c in series.Measurement)
        {
            if (c is ',' or ' ')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        foreach (var tag in series.Tags)
        {
            builder.Append(',');
            AppendName(builder, tag.Key);
            builder.Append('=');
            AppendName(builder, tag.Value);
        }
    }

    public static void AppendName(StringBuilder builder, string name)
    {
        foreach (var c in name)
        {
            if (c is ',' or ' ' or '=')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }
    }

    public static void AppendValue(StringBuilder builder, FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldKind.Double:
                builder.Append(value.AsDouble().ToString("R", CultureInfo.InvariantCulture));
                break;
            case FieldKind.Int64:
                builder.Append(value.AsInt64().ToString(CultureInfo.InvariantCulture)).Append('i');
                break;
            case FieldKind.UInt64:
                builder.Append(unchecked((long)value.AsUInt64()).ToString(CultureInfo.InvariantCulture)).Append('i');
                break;
            case FieldKind.Boolean:
                builder.Append(value.AsBoolean() ? "true" : "false");
                break;
            default:
                builder.Append('"');
                foreach (var c in value.AsString())
                {
                    if (c is '"' or '\\')
                    {
                        builder.Append('\\');
                    }

                    builder.Append(c);
                }

                builder.Append('"');
                break;
        }
    }

    /// <summary>Why a name cannot travel in line protocol, or null.</summary>
    public static string? ProblemWithName(string name, string what)
    {
        if (name.Contains('\n', StringComparison.Ordinal) || name.Contains('\r', StringComparison.Ordinal))
        {
            return $"The {what} '{name.ReplaceLineEndings(" ")}' holds a line break, which line protocol cannot carry.";
        }

        return name.EndsWith('\\') ? $"The {what} '{name}' ends with a backslash, which InfluxDB would read as an escape." : null;
    }
}
