using System.Globalization;
using System.Text.Json;

namespace Cohort.Aggregation;

/// <summary>
/// Writes released aggregates as the JSON array DACC's <c>/aggregate</c> returns: camelCase keys
/// <c>measureName, startDate, createdBy, group1..3, count, countNotZero, sum, min, max, avg, std</c>, then
/// <c>median, firstQuartile, thirdQuartile</c> and <c>percentiles</c> when the definition asks for them. Groups are
/// <c>{"key": "value"}</c> objects (<c>"*"</c> for a wildcard); statistics not released are left out.
/// </summary>
public static class AggregateJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    /// <summary>Writes the results to a UTF-8 stream.</summary>
    public static async ValueTask WriteAsync(Stream utf8Stream, IEnumerable<AggregateResult> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Stream);
        ArgumentNullException.ThrowIfNull(results);
        var writer = new Utf8JsonWriter(utf8Stream, WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            Write(writer, results);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The results as a JSON string.</summary>
    public static string Serialize(IEnumerable<AggregateResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            Write(writer, results);
        }

        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Writes the results as one JSON array.</summary>
    public static void Write(Utf8JsonWriter writer, IEnumerable<AggregateResult> results)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(results);
        writer.WriteStartArray();
        foreach (var r in results)
        {
            writer.WriteStartObject();
            writer.WriteString("measureName", r.MeasureName);
            writer.WriteString("startDate", r.StartDate.ToString(r.StartDate.Offset == TimeSpan.Zero ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            writer.WriteString("createdBy", r.CreatedBy);
            Group(writer, "group1", r.Group1);
            Group(writer, "group2", r.Group2);
            Group(writer, "group3", r.Group3);
            writer.WriteNumber("count", r.Count);
            if (r.CountNotZero is { } countNotZero)
            {
                writer.WriteNumber("countNotZero", countNotZero);
            }

            Number(writer, "sum", r.Sum);
            Number(writer, "min", r.Min);
            Number(writer, "max", r.Max);
            Number(writer, "avg", r.Avg);
            Number(writer, "std", r.Std);
            Number(writer, "median", r.Median);
            Number(writer, "firstQuartile", r.FirstQuartile);
            Number(writer, "thirdQuartile", r.ThirdQuartile);
            if (!r.Percentiles.IsDefaultOrEmpty)
            {
                writer.WriteStartObject("percentiles");
                foreach (var (fraction, value) in r.Percentiles)
                {
                    Number(writer, fraction.ToString("R", CultureInfo.InvariantCulture), value);
                }

                writer.WriteEndObject();
            }

            if (r.IsNoisy)
            {
                writer.WriteBoolean("noisy", true);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void Group(Utf8JsonWriter writer, string name, MeasureGroup? group)
    {
        if (group is { } g)
        {
            writer.WriteStartObject(name);
            writer.WriteString(g.Key, g.Value);
            writer.WriteEndObject();
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
    }
}
