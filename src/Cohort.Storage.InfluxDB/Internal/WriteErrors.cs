using System.Text.Json;
using System.Text.RegularExpressions;
using Cohort.Core;

namespace Cohort.Storage.InfluxDB.Internal;

/// <summary>What an HTTP 400 answer to a write says about its lines.</summary>
internal sealed record WriteError(string Message, IReadOnlyList<(string Line, string Reason)> Unparsable, IReadOnlyList<TypeConflict> Conflicts);

/// <summary><c>field type conflict: input field "f" on measurement "m" is type integer, already exists as type float</c>.</summary>
internal sealed record TypeConflict(string Field, string Measurement, FieldKind Input, FieldKind Existing, string Reason);

internal static partial class WriteErrors
{
    [GeneratedRegex("unable to parse '(?<line>.*?)': (?<reason>[^\\n]*?)(?=(?: dropped=\\d+)?$|\\nunable to parse )", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ParseError();

    [GeneratedRegex("field type conflict: input field \"(?<field>.*?)\" on measurement \"(?<m>.*?)\" is type (?<in>\\w+), already exists as type (?<was>\\w+)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Conflict();

    /// <summary>The message of an error body: v1 <c>{"error": …}</c>, v2 <c>{"code": …, "message": …}</c>, or the text.</summary>
    public static string MessageOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString()!;
                }

                if (document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): the text itself is the message.
        }

        return body.Trim();
    }

    /// <summary>The 1-based number of the first refused line, when a v2 error body gives it (<c>"line": 3</c>).</summary>
    public static int? LineOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("line", out var line) &&
                   line.ValueKind == JsonValueKind.Number &&
                   line.TryGetInt32(out var number)
                ? number
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static WriteError Parse(string message)
    {
        var unparsable = new List<(string, string)>();
        foreach (Match match in ParseError().Matches(message))
        {
            unparsable.Add((match.Groups["line"].Value, match.Groups["reason"].Value));
        }

        var conflicts = new List<TypeConflict>();
        foreach (Match match in Conflict().Matches(message))
        {
            if (KindOf(match.Groups["in"].Value) is { } input && KindOf(match.Groups["was"].Value) is { } existing)
            {
                conflicts.Add(new TypeConflict(
                    match.Groups["field"].Value,
                    match.Groups["m"].Value,
                    input,
                    existing,
                    $"Field '{match.Groups["field"].Value}' of measurement '{match.Groups["m"].Value}' holds {match.Groups["was"].Value} values in InfluxDB; a {match.Groups["in"].Value} value was refused."));
            }
        }

        return new WriteError(message, unparsable, conflicts);
    }

    /// <summary>InfluxDB's type names (<c>SHOW FIELD KEYS</c>, errors) as kinds; unsigned integers read as Int64.</summary>
    public static FieldKind? KindOf(string influxType) => influxType switch
    {
        "float" => FieldKind.Double,
        "integer" => FieldKind.Int64,
        "unsigned" => FieldKind.UInt64,
        "boolean" => FieldKind.Boolean,
        "string" => FieldKind.String,
        _ => null,
    };
}
