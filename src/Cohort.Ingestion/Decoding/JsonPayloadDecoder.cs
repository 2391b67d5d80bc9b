using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cohort.Core;
using Cohort.Ingestion.Processing;

namespace Cohort.Ingestion.Decoding;

/// <summary>
/// Decodes JSON readings (content types <c>application/json</c>, <c>text/json</c> and <c>*/*+json</c>): one reading
/// object or an array of them. A bad reading is rejected with its JSON path; the good ones in the message land.
/// The schema is in docs/ingestion.md.
/// </summary>
internal sealed class JsonPayloadDecoder : IPayloadDecoder
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public bool CanDecode(string contentType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var mediaType = ContentTypes.MediaType(contentType);
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
               mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase) ||
               mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    public ValueTask<DecodeResult> DecodeAsync(IngestMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return ValueTask.FromResult(Decode(message));
    }

    /// <summary>Decodes synchronously (the work is all CPU).</summary>
    public static DecodeResult Decode(IngestMessage message)
    {
        var batch = new PointBatch();
        var rejections = ImmutableArray.CreateBuilder<Rejection>();
        var defaultPrecision = ContentTypes.Precision(message.ContentType, out var precisionProblem);
        if (precisionProblem is not null)
        {
            rejections.Add(new Rejection(precisionProblem) { Field = "content-type" });
            return new DecodeResult(batch, rejections.ToImmutable());
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.Payload, DocumentOptions);
        }
        catch (JsonException ex)
        {
            rejections.Add(new Rejection("The payload is not valid JSON: " + ex.Message)
            {
                Line = ex.LineNumber + 1,
                Column = ex.BytePositionInLine is { } column ? (int)column + 1 : null,
                Field = "$",
                Record = PointText.Truncate(Encoding.UTF8.GetString(message.Payload.Span[..Math.Min(message.Payload.Length, PointText.MaxLength)])),
            });
            return new DecodeResult(batch, rejections.ToImmutable());
        }

        using (document)
        {
            var root = document.RootElement;
            var fallback = Timestamps.FromDateTimeOffset(message.ReceivedAt);
            var scratch = new List<Tag>();
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    DecodeReading(root, "$", 0, batch, rejections, defaultPrecision, fallback, scratch);
                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var element in root.EnumerateArray())
                    {
                        DecodeReading(element, "$[" + index.ToString(CultureInfo.InvariantCulture) + "]", index, batch, rejections, defaultPrecision, fallback, scratch);
                        index++;
                    }

                    break;
                default:
                    rejections.Add(new Rejection($"The payload must be a reading object or an array of them, not {Describe(root.ValueKind)}.") { Field = "$", Record = Raw(root) });
                    break;
            }
        }

        return new DecodeResult(batch, rejections.ToImmutable());
    }

    private static void DecodeReading(JsonElement reading, string path, int index, PointBatch batch, ImmutableArray<Rejection>.Builder rejections, TimestampPrecision defaultPrecision, long fallback, List<Tag> tags)
    {
        string? problem;
        if (reading.ValueKind != JsonValueKind.Object)
        {
            Reject($"A reading must be an object, not {Describe(reading.ValueKind)}.", path);
            return;
        }

        string? measurement = null;
        JsonElement? fields = null;
        JsonElement? timestamp = null;
        var precision = defaultPrecision;
        tags.Clear();
        foreach (var property in reading.EnumerateObject())
        {
            switch (property.Name)
            {
                case "measurement":
                    if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(measurement = property.Value.GetString()))
                    {
                        Reject("The measurement must be a non-empty string.", path + ".measurement");
                        return;
                    }

                    break;
                case "tags":
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        Reject("The tags must be an object of string values.", path + ".tags");
                        return;
                    }

                    foreach (var tag in property.Value.EnumerateObject())
                    {
                        if (tag.Value.ValueKind != JsonValueKind.String || tag.Name.Length == 0 || tag.Value.GetString() is not { Length: > 0 } tagValue)
                        {
                            Reject("A tag must have a non-empty key and a non-empty string value.", path + ".tags" + Member(tag.Name));
                            return;
                        }

                        tags.Add(new Tag(tag.Name, tagValue));
                    }

                    break;
                case "fields":
                    fields = property.Value;
                    break;
                case "timestamp":
                    timestamp = property.Value;
                    break;
                case "precision":
                    if (property.Value.ValueKind != JsonValueKind.String || !Timestamps.TryParsePrecision(property.Value.GetString(), out precision))
                    {
                        Reject("The precision must be \"ns\", \"us\", \"ms\" or \"s\".", path + ".precision");
                        return;
                    }

                    break;
                default:
                    Reject($"Unknown property '{property.Name}'.", path + Member(property.Name));
                    return;
            }
        }

        if (measurement is null)
        {
            Reject("A reading needs a measurement.", path + ".measurement");
            return;
        }

        if (fields is not { ValueKind: JsonValueKind.Object } fieldObject)
        {
            Reject("A reading needs a fields object with at least one field.", path + ".fields");
            return;
        }

        long time = fallback;
        if (timestamp is { } t && !TryTimestamp(t, precision, out time, out problem))
        {
            Reject(problem, path + ".timestamp");
            return;
        }

        // Check every field before adding any, so a reading lands whole or not at all.
        var values = new List<(string Key, FieldValue Value)>();
        foreach (var field in fieldObject.EnumerateObject())
        {
            var fieldPath = path + ".fields" + Member(field.Name);
            if (field.Name.Length == 0)
            {
                Reject("A field key must not be empty.", fieldPath);
                return;
            }

            if (!TryField(field.Value, out var value, out problem))
            {
                Reject(problem, fieldPath);
                return;
            }

            values.Add((field.Name, value));
        }

        if (values.Count == 0)
        {
            Reject("A reading needs at least one field.", path + ".fields");
            return;
        }

        var seriesId = batch.InternSeries(new SeriesKey(measurement, tags.Count == 0 ? TagSet.Empty : TagSet.Create(tags)));
        foreach (var (key, value) in values)
        {
            batch.Add(seriesId, batch.InternField(key), time, value);
        }

        void Reject(string reason, string at)
        {
            rejections.Add(new Rejection(reason) { Field = at, Index = index, Record = Raw(reading) });
        }
    }

    private static bool TryField(JsonElement element, out FieldValue value, out string problem)
    {
        problem = string.Empty;
        value = default;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (element.TryGetDouble(out var number) && double.IsFinite(number))
                {
                    value = FieldValue.FromDouble(number);
                    return true;
                }

                problem = "The number is not a finite double.";
                return false;
            case JsonValueKind.True:
            case JsonValueKind.False:
                value = FieldValue.FromBoolean(element.GetBoolean());
                return true;
            case JsonValueKind.String:
                value = FieldValue.FromString(element.GetString()!);
                return true;
            case JsonValueKind.Object:
                var count = 0;
                foreach (var typed in element.EnumerateObject())
                {
                    count++;
                    if (typed.Name == "int" && typed.Value.ValueKind == JsonValueKind.Number && typed.Value.TryGetInt64(out var i))
                    {
                        value = FieldValue.FromInt64(i);
                    }
                    else if (typed.Name == "uint" && typed.Value.ValueKind == JsonValueKind.Number && typed.Value.TryGetUInt64(out var u))
                    {
                        value = FieldValue.FromUInt64(u);
                    }
                    else
                    {
                        count = -1;
                        break;
                    }
                }

                if (count == 1)
                {
                    return true;
                }

                problem = "A typed field must be {\"int\": <signed 64-bit integer>} or {\"uint\": <unsigned 64-bit integer>}.";
                return false;
            default:
                problem = $"A field value must be a number, a boolean, a string or a typed integer, not {Describe(element.ValueKind)}.";
                return false;
        }
    }

    private static bool TryTimestamp(JsonElement element, TimestampPrecision precision, out long timestamp, out string problem)
    {
        problem = string.Empty;
        timestamp = 0;
        if (element.ValueKind == JsonValueKind.Number)
        {
            if (!element.TryGetInt64(out var units))
            {
                problem = "A numeric timestamp must be a whole number of Unix time units (see precision).";
                return false;
            }

            try
            {
                timestamp = checked(units * Timestamps.NanosecondsPer(precision));
                return true;
            }
            catch (OverflowException)
            {
                problem = "The timestamp is out of range.";
                return false;
            }
        }

        if (element.ValueKind == JsonValueKind.String &&
            DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            timestamp = Timestamps.FromDateTimeOffset(instant);
            return true;
        }

        problem = "The timestamp must be an ISO-8601 string or a whole number of Unix time units.";
        return false;
    }

    private static string Member(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? "." + name : "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";

    private static string Raw(JsonElement element) => PointText.Truncate(element.GetRawText());

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
