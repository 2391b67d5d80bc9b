using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Cohort.Aggregation;

/// <summary>
/// Reads raw measures from JSON (one object, as DACC's <c>/measure</c> takes) or JSON lines, validating each against
/// its definition. Every bad input is a typed <see cref="RawMeasureError"/> with a rejection naming the property
/// and line; nothing throws for bad data, and the valid lines keep coming.
/// </summary>
public static class RawMeasureJson
{
    private static readonly string[] LocalFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    ];

    private static readonly string[] OffsetFormats =
    [
        "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd HH:mm:sszzz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd HH:mm:ss'Z'", "yyyy-MM-dd HH:mm:ss.FFFFFFF'Z'",
    ];

    /// <summary>Parses and validates one raw measure given as a JSON object.</summary>
    public static RawMeasureResult Parse(string json, MeasureDefinitionSet definitions)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), definitions);
    }

    /// <summary>Parses and validates one raw measure given as a UTF-8 JSON object.</summary>
    public static RawMeasureResult Parse(ReadOnlySpan<byte> utf8Json, MeasureDefinitionSet definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var reader = new Utf8JsonReader(utf8Json);
        JsonDocument document;
        try
        {
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
            {
                return RawMeasureResult.Invalid(RawMeasureError.MalformedJson, null, "The measure is empty.");
            }

            document = parsed;
            if (reader.Read())
            {
                document.Dispose();
                return RawMeasureResult.Invalid(RawMeasureError.MalformedJson, null, "Unexpected text after the JSON object.");
            }
        }
        catch (JsonException e)
        {
            return RawMeasureResult.Invalid(RawMeasureError.MalformedJson, null, "The measure is not valid JSON: " + e.Message);
        }

        using (document)
        {
            return Read(document.RootElement, definitions);
        }
    }

    /// <summary>
    /// Reads JSON lines (one raw measure object per line; blank lines skipped), yielding each line's result with its
    /// 1-based line number: valid measures and rejections, in order.
    /// </summary>
    public static async IAsyncEnumerable<RawMeasureResult> ReadLinesAsync(
        TextReader reader,
        MeasureDefinitionSet definitions,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(definitions);
        long line = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            yield return Parse(text, definitions).AtLine(line);
        }
    }

    /// <summary>
    /// Parses a raw measure date: <c>yyyy-MM-dd</c> or an ISO 8601 date-time, with an offset or <c>Z</c>, or without
    /// one (then read in <paramref name="zone"/>).
    /// </summary>
    internal static bool TryParseDate(string text, TimeZoneInfo zone, out DateTimeOffset value)
    {
        if (DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            return true;
        }

        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            value = new DateTimeOffset(local, zone.GetUtcOffset(local));
            return true;
        }

        value = default;
        return false;
    }

    private static RawMeasureResult Read(JsonElement root, MeasureDefinitionSet definitions)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return RawMeasureResult.Invalid(RawMeasureError.NotAnObject, null, "A raw measure must be a JSON object.");
        }

        JsonElement? name = null, value = null, startDate = null, createdBy = null, period = null;
        var groups = new JsonElement?[3];
        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "measureName": name = p.Value; break;
                case "value": value = p.Value; break;
                case "startDate": startDate = p.Value; break;
                case "createdBy": createdBy = p.Value; break;
                case "aggregationPeriod": period = p.Value; break;
                case "group1": groups[0] = p.Value; break;
                case "group2": groups[1] = p.Value; break;
                case "group3": groups[2] = p.Value; break;
                default:
                    return RawMeasureResult.Invalid(RawMeasureError.UnknownProperty, p.Name, $"Unknown property '{p.Name}'.");
            }
        }

        if (name is not { ValueKind: JsonValueKind.String } n || n.GetString() is not { Length: > 0 } measureName)
        {
            return RawMeasureResult.Invalid(RawMeasureError.MissingMeasureName, "measureName", "measureName is required and must be a non-empty string.");
        }

        if (definitions.Find(measureName) is not { } definition)
        {
            return RawMeasureResult.Invalid(RawMeasureError.UnknownMeasure, "measureName", $"No measure is defined with the name '{measureName}'.");
        }

        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return RawMeasureResult.Invalid(RawMeasureError.MissingValue, "value", "value is required and must not be null.");
        }

        if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            return RawMeasureResult.Invalid(RawMeasureError.InvalidValue, "value", $"value must be a finite number, not {Truncate(value.Value.GetRawText())}.");
        }

        if (startDate is not { ValueKind: JsonValueKind.String } s
            || !TryParseDate(s.GetString()!, definitions.GetZone(measureName), out var start))
        {
            var shown = startDate is null ? "missing" : Truncate(startDate.Value.GetRawText());
            return RawMeasureResult.Invalid(RawMeasureError.InvalidStartDate, "startDate", $"startDate must be an ISO 8601 date or date-time (it is {shown}).");
        }

        if (createdBy is not { ValueKind: JsonValueKind.String } c || c.GetString() is not { Length: > 0 } app)
        {
            return RawMeasureResult.Invalid(RawMeasureError.MissingCreatedBy, "createdBy", "createdBy is required and must be a non-empty string.");
        }

        if (period is { } pe)
        {
            var expected = definition.AggregationPeriod.ToString();
            if (pe.ValueKind != JsonValueKind.String || !string.Equals(pe.GetString(), expected, StringComparison.OrdinalIgnoreCase))
            {
                return RawMeasureResult.Invalid(RawMeasureError.PeriodMismatch, "aggregationPeriod", $"aggregationPeriod must be '{expected.ToLowerInvariant()}' for the measure '{measureName}'.");
            }
        }

        var parsed = new MeasureGroup?[3];
        for (var i = 0; i < 3; i++)
        {
            if (groups[i] is not { } g || g.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var property = "group" + (i + 1);
            if (g.ValueKind != JsonValueKind.Object)
            {
                return RawMeasureResult.Invalid(RawMeasureError.InvalidGroup, property, $"{property} must be an object with one key, like {{\"{definition.GroupKey(i + 1) ?? "key"}\": \"value\"}}.");
            }

            using var members = g.EnumerateObject();
            if (!members.MoveNext())
            {
                return RawMeasureResult.Invalid(RawMeasureError.InvalidGroup, property, $"{property} must have exactly one key.");
            }

            var member = members.Current;
            if (members.MoveNext())
            {
                return RawMeasureResult.Invalid(RawMeasureError.InvalidGroup, property, $"{property} must have exactly one key.");
            }

            string? text = member.Value.ValueKind switch
            {
                JsonValueKind.String => member.Value.GetString(),
                JsonValueKind.Number => member.Value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            };
            if (text is null)
            {
                return RawMeasureResult.Invalid(RawMeasureError.InvalidGroup, property, $"The value of {property} must be a string, number or boolean.");
            }

            parsed[i] = new MeasureGroup(member.Name, text);
        }

        var measure = new RawMeasure(measureName, number, start, app) { Group1 = parsed[0], Group2 = parsed[1], Group3 = parsed[2] };
        return definitions.Validate(measure);
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
