using System.Text;
using System.Text.Json;
using Cohort.Core;

namespace Cohort.Storage.Postgres.Internal;

/// <summary>The two stored forms of a tag set: the canonical text (identity and order) and a JSON object (for SQL).</summary>
internal static class SeriesText
{
    public static string Json(TagSet tags)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var tag in tags)
            {
                writer.WriteString(tag.Key, tag.Value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string Json(IEnumerable<Tag> tags) => Json(TagSet.Create(tags));

    public static TagSet ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var tags = new List<Tag>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            tags.Add(new Tag(property.Name, property.Value.GetString() ?? string.Empty));
        }

        return TagSet.Create(tags);
    }

    /// <summary>Contract series order: measurement, then canonical tag text, both ordinal (UTF-16).</summary>
    public static int Compare(string measurementX, string tagsX, string measurementY, string tagsY)
    {
        var byMeasurement = string.CompareOrdinal(measurementX, measurementY);
        return byMeasurement != 0 ? byMeasurement : string.CompareOrdinal(tagsX, tagsY);
    }
}
