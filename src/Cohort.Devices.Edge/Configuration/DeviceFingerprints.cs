using System.Buffers;
using System.Text.Json;
using Cohort.Devices.Configuration;

namespace Cohort.Devices.Edge.Configuration;

/// <summary>
/// The JSON of each device of a configuration, compacted (whitespace and comments removed, property order kept),
/// by device name: two configurations run a device the same way when its fingerprints are equal, so only devices
/// whose fingerprint changed are restarted.
/// </summary>
internal static class DeviceFingerprints
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Fingerprints of <paramref name="configuration"/>, parsed from <paramref name="json"/> (its text).</summary>
    public static Dictionary<string, string> Of(HouseConfiguration configuration, string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json, DocumentOptions);
        JsonElement? devices = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            // The configuration reader matches property names case-insensitively.
            if (property.Name.Equals("devices", StringComparison.OrdinalIgnoreCase))
            {
                devices = property.Value;
            }
        }

        var i = 0;
        if (devices is { ValueKind: JsonValueKind.Array } array)
        {
            var buffer = new ArrayBufferWriter<byte>();
            foreach (var element in array.EnumerateArray())
            {
                buffer.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    element.WriteTo(writer);
                }

                result[configuration.Devices[i++].Name] = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
            }
        }

        return result;
    }
}
