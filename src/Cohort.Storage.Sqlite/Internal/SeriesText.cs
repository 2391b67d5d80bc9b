using System.Text;
using System.Text.Json;
using Cohort.Core;

namespace Cohort.Storage.Sqlite.Internal;

/// <summary>
/// The text forms of a tag set the store keeps besides its canonical string (<see cref="TagSet.ToCanonicalString"/>,
/// the series identity and sort order): a JSON object, for SQL consumers and to rebuild the tag set without unescaping.
/// </summary>
internal static class SeriesText
{
    public static string ToJson(TagSet tags)
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

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    public static TagSet FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var tags = new List<Tag>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            tags.Add(new Tag(property.Name, property.Value.GetString() ?? string.Empty));
        }

        return tags.Count == 0 ? TagSet.Empty : TagSet.Create(tags);
    }
}
