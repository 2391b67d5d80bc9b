using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Cohort.Devices.Drivers.Http;

/// <summary>
/// The JSON path subset the HTTP JSON driver understands: <c>$</c> followed by member steps (<c>.name</c> or
/// <c>['name']</c>) and array index steps (<c>[0]</c>), such as <c>$.a.b[0].c</c>. No wildcards, filters or slices.
/// </summary>
internal sealed class JsonPathSubset
{
    private readonly ImmutableArray<(string? Member, int Index)> _steps;

    private JsonPathSubset(string text, ImmutableArray<(string? Member, int Index)> steps)
    {
        Text = text;
        _steps = steps;
    }

    public string Text { get; }

    public static bool TryParse(string text, out JsonPathSubset? path, out string error)
    {
        path = null;
        if (string.IsNullOrEmpty(text) || text[0] != '$')
        {
            error = "must start with '$'";
            return false;
        }

        var steps = ImmutableArray.CreateBuilder<(string?, int)>();
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && text[i] != '.' && text[i] != '[')
                {
                    i++;
                }

                if (i == start)
                {
                    error = $"has an empty member name at character {start + 1}";
                    return false;
                }

                steps.Add((text[start..i], -1));
            }
            else if (text[i] == '[' && i + 1 < text.Length && text[i + 1] == '\'')
            {
                var end = text.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    error = $"has an unclosed ['...'] at character {i + 1}";
                    return false;
                }

                steps.Add((text[(i + 2)..end], -1));
                i = end + 2;
            }
            else if (text[i] == '[')
            {
                var end = text.IndexOf(']', i);
                if (end < 0 || !int.TryParse(text.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    error = $"has an invalid array index at character {i + 1} (only [0], [1], ... are supported)";
                    return false;
                }

                steps.Add((null, index));
                i = end + 1;
            }
            else
            {
                error = $"has an unexpected '{text[i]}' at character {i + 1}";
                return false;
            }
        }

        path = new JsonPathSubset(text, steps.ToImmutable());
        error = string.Empty;
        return true;
    }

    /// <summary>Finds the element the path names.</summary>
    public bool TryFind(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (var (member, index) in _steps)
        {
            if (member is not null)
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(member, out value))
                {
                    return false;
                }
            }
            else if (value.ValueKind != JsonValueKind.Array || index >= value.GetArrayLength())
            {
                return false;
            }
            else
            {
                value = value[index];
            }
        }

        return true;
    }
}
