using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Cohort.Core.Portability.Internal;

/// <summary>Writes and reads <c>manifest.json</c> (schema in docs/portability.md), naming the JSON path of any fault.</summary>
internal static class ManifestJson
{
    public const string Format = "cohort-tenant-archive";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };

    public static string TypeName(FieldKind kind) => kind switch
    {
        FieldKind.Double => "float",
        FieldKind.Int64 => "integer",
        FieldKind.UInt64 => "unsigned",
        FieldKind.Boolean => "boolean",
        _ => "string",
    };

    public static async Task WriteAsync(ArchiveManifest manifest, Stream stream, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(stream, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("format", Format);
        writer.WriteNumber("formatVersion", manifest.FormatVersion);
        writer.WriteString("tenant", manifest.Tenant.Id);
        writer.WriteString("exportedAt", manifest.ExportedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("precision", "ns");
        writer.WriteNumber("points", manifest.PointCount);
        writer.WriteNumber("values", manifest.ValueCount);
        writer.WriteStartArray("measurements");
        foreach (var measurement in manifest.Measurements)
        {
            writer.WriteStartObject();
            writer.WriteString("name", measurement.Name);
            writer.WriteString("entry", measurement.Entry);
            writer.WriteNumber("points", measurement.PointCount);
            writer.WriteNumber("values", measurement.ValueCount);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("series");
        foreach (var series in manifest.Series)
        {
            writer.WriteStartObject();
            writer.WriteString("measurement", series.Series.Measurement);
            writer.WriteStartObject("tags");
            foreach (var tag in series.Series.Tags)
            {
                writer.WriteString(tag.Key, tag.Value);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("fields");
            foreach (var field in series.Fields)
            {
                writer.WriteStartObject();
                writer.WriteString("key", field.Key);
                writer.WriteString("type", TypeName(field.Kind));
                writer.WriteNumber("values", field.ValueCount);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("points", series.PointCount);
            writer.WriteNumber("first", series.FirstTimestamp);
            writer.WriteNumber("last", series.LastTimestamp);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (manifest.Analytics is { } analytics)
        {
            writer.WritePropertyName("analytics");
            analytics.WriteTo(writer);
        }

        if (manifest.Measures is { } measures)
        {
            writer.WritePropertyName("measures");
            measures.WriteTo(writer);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<ArchiveManifest> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            var line = (exception.LineNumber ?? -1) + 1;
            var column = (int)(exception.BytePositionInLine ?? -1) + 1;
            throw new ArchiveFormatException(EntryNames.Manifest, line, column, null, "not valid JSON: " + FirstSentence(exception.Message), exception);
        }

        using (document)
        {
            var root = document.RootElement;
            Expect(root, JsonValueKind.Object, "$");
            var format = String(root, "$", "format");
            if (format != Format)
            {
                throw Fault("$.format", $"expected \"{Format}\", found \"{format}\"");
            }

            var version = Integer(root, "$", "formatVersion");
            if (version < 1 || version > TenantArchive.FormatVersion)
            {
                throw Fault("$.formatVersion", FormattableString.Invariant($"version {version} is not supported (this version of Cohort reads 1 to {TenantArchive.FormatVersion})"));
            }

            var tenantId = String(root, "$", "tenant");
            if (!Tenant.IsValid(tenantId, out var why))
            {
                throw Fault("$.tenant", "not a valid tenant id: " + why);
            }

            var exportedText = String(root, "$", "exportedAt");
            if (!DateTimeOffset.TryParse(exportedText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var exportedAt))
            {
                throw Fault("$.exportedAt", $"\"{exportedText}\" is not an ISO-8601 date and time");
            }

            var precision = String(root, "$", "precision");
            if (precision != "ns")
            {
                throw Fault("$.precision", $"expected \"ns\", found \"{precision}\"");
            }

            return new ArchiveManifest
            {
                FormatVersion = (int)version,
                Tenant = new Tenant(tenantId),
                ExportedAt = exportedAt,
                Measurements = ReadMeasurements(root),
                Series = ReadSeries(root),
                Analytics = root.TryGetProperty("analytics", out var analytics) ? analytics.Clone() : null,
                Measures = root.TryGetProperty("measures", out var measures) ? measures.Clone() : null,
            };
        }
    }

    private static ImmutableArray<ArchiveMeasurement> ReadMeasurements(JsonElement root)
    {
        var array = Property(root, "$", "measurements", JsonValueKind.Array);
        var result = ImmutableArray.CreateBuilder<ArchiveMeasurement>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var entries = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = FormattableString.Invariant($"$.measurements[{i++}]");
            Expect(item, JsonValueKind.Object, path);
            var name = NonEmptyString(item, path, "name");
            var entry = String(item, path, "entry");
            if (!entry.StartsWith(EntryNames.DataFolder, StringComparison.Ordinal) || !entry.EndsWith(".lp", StringComparison.Ordinal))
            {
                throw Fault(path + ".entry", $"\"{entry}\" is not a data/<name>.lp entry");
            }

            if (!names.Add(name))
            {
                throw Fault(path + ".name", $"measurement \"{name}\" is listed twice");
            }

            if (!entries.Add(entry))
            {
                throw Fault(path + ".entry", $"entry \"{entry}\" is listed twice");
            }

            result.Add(new ArchiveMeasurement(name, entry, Count(item, path, "points"), Count(item, path, "values")));
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<ArchiveSeries> ReadSeries(JsonElement root)
    {
        var array = Property(root, "$", "series", JsonValueKind.Array);
        var result = ImmutableArray.CreateBuilder<ArchiveSeries>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = FormattableString.Invariant($"$.series[{i++}]");
            Expect(item, JsonValueKind.Object, path);
            var measurement = NonEmptyString(item, path, "measurement");
            var tagsElement = Property(item, path, "tags", JsonValueKind.Object);
            var tags = new List<Tag>();
            foreach (var tag in tagsElement.EnumerateObject())
            {
                Expect(tag.Value, JsonValueKind.String, path + ".tags." + tag.Name);
                tags.Add(new Tag(tag.Name, tag.Value.GetString()!));
            }

            var fields = ImmutableArray.CreateBuilder<ArchiveField>();
            var k = 0;
            foreach (var field in Property(item, path, "fields", JsonValueKind.Array).EnumerateArray())
            {
                var fieldPath = FormattableString.Invariant($"{path}.fields[{k++}]");
                Expect(field, JsonValueKind.Object, fieldPath);
                var type = String(field, fieldPath, "type");
                var kind = type switch
                {
                    "float" => FieldKind.Double,
                    "integer" => FieldKind.Int64,
                    "unsigned" => FieldKind.UInt64,
                    "boolean" => FieldKind.Boolean,
                    "string" => FieldKind.String,
                    _ => throw Fault(fieldPath + ".type", $"\"{type}\" is not a field type (float, integer, unsigned, boolean or string)"),
                };
                fields.Add(new ArchiveField(NonEmptyString(field, fieldPath, "key"), kind, Count(field, fieldPath, "values")));
            }

            var first = Integer(item, path, "first");
            var last = Integer(item, path, "last");
            if (last < first)
            {
                throw Fault(path + ".last", FormattableString.Invariant($"{last} is before first ({first})"));
            }

            TagSet tagSet;
            try
            {
                tagSet = tags.Count == 0 ? TagSet.Empty : TagSet.Create(tags);
            }
            catch (ArgumentException exception)
            {
                throw Fault(path + ".tags", exception.Message);
            }

            result.Add(new ArchiveSeries(new SeriesKey(measurement, tagSet), fields.ToImmutable(), Count(item, path, "points"), first, last));
        }

        return result.ToImmutable();
    }

    private static JsonElement Property(JsonElement parent, string path, string name, JsonValueKind kind)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw Fault(path + "." + name, "missing");
        }

        Expect(value, kind, path + "." + name);
        return value;
    }

    private static string String(JsonElement parent, string path, string name) =>
        Property(parent, path, name, JsonValueKind.String).GetString()!;

    private static string NonEmptyString(JsonElement parent, string path, string name)
    {
        var value = String(parent, path, name);
        return value.Length > 0 ? value : throw Fault(path + "." + name, "must not be empty");
    }

    private static long Integer(JsonElement parent, string path, string name)
    {
        var value = Property(parent, path, name, JsonValueKind.Number);
        return value.TryGetInt64(out var number) ? number : throw Fault(path + "." + name, $"{value.GetRawText()} is not a 64-bit integer");
    }

    private static long Count(JsonElement parent, string path, string name)
    {
        var count = Integer(parent, path, name);
        return count >= 0 ? count : throw Fault(path + "." + name, "must not be negative");
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw Fault(path, $"expected {Describe(kind)}, found {Describe(element.ValueKind)}");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static ArchiveFormatException Fault(string path, string reason) => new(EntryNames.Manifest, 0, 0, path, reason);

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
