using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cohort.Studies.Manifest;

/// <summary>What kind of change a <see cref="ManifestChange"/> is.</summary>
public enum ManifestChangeKind
{
    /// <summary>Present only in the second manifest.</summary>
    Added = 0,

    /// <summary>Present only in the first manifest.</summary>
    Removed = 1,

    /// <summary>Present in both with different values.</summary>
    Changed = 2,
}

/// <summary>
/// One difference between two manifests. Paths name list items by their <c>id</c> or <c>name</c>
/// (<c>$.tenants[house-01].devices[meter].intervalMs</c>) so that reordering a list is not a change.
/// </summary>
/// <param name="Kind">Added, removed or changed.</param>
/// <param name="Path">Where, as a JSON path with list items named.</param>
/// <param name="Before">The value in the first manifest (JSON), when there is one.</param>
/// <param name="After">The value in the second manifest (JSON), when there is one.</param>
public sealed record ManifestChange(ManifestChangeKind Kind, string Path, string? Before, string? After)
{
    /// <summary><c>+ path: after</c>, <c>- path: before</c> or <c>~ path: before -> after</c>.</summary>
    public override string ToString() => Kind switch
    {
        ManifestChangeKind.Added => $"+ {Path}: {After}",
        ManifestChangeKind.Removed => $"- {Path}: {Before}",
        _ => $"~ {Path}: {Before} -> {After}",
    };
}

/// <summary>Compares two manifests.</summary>
public static class ManifestDiff
{
    private static readonly JsonSerializerOptions Compact = new(StudyManifestReader.JsonOptions) { WriteIndented = false };

    /// <summary>The changes from <paramref name="before"/> to <paramref name="after"/>, in document order; empty when they describe the same deployment.</summary>
    public static IReadOnlyList<ManifestChange> Compare(StudyManifest before, StudyManifest after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<ManifestChange>();
        var a = JsonSerializer.SerializeToNode(before with { Schema = null }, Compact);
        var b = JsonSerializer.SerializeToNode(after with { Schema = null }, Compact);
        Walk("$", a, b, changes);
        return changes;
    }

    private static void Walk(string path, JsonNode? a, JsonNode? b, List<ManifestChange> changes)
    {
        if (a is JsonObject oa && b is JsonObject ob)
        {
            foreach (var (key, value) in oa)
            {
                Walk(path + "." + key, value, ob[key], changes);
            }

            foreach (var (key, value) in ob)
            {
                if (!oa.ContainsKey(key))
                {
                    Walk(path + "." + key, null, value, changes);
                }
            }
        }
        else if (a is JsonArray aa && b is JsonArray ab && KeyOf(aa, ab) is { } keyName)
        {
            var keyed = ab.ToDictionary(item => (string)item![keyName]!, StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in aa)
            {
                var key = (string)item![keyName]!;
                seen.Add(key);
                Walk($"{path}[{key}]", item, keyed.GetValueOrDefault(key), changes);
            }

            foreach (var item in ab)
            {
                var key = (string)item![keyName]!;
                if (!seen.Contains(key))
                {
                    Walk($"{path}[{key}]", null, item, changes);
                }
            }
        }
        else if (a is null && b is not null)
        {
            if (!IsEmpty(b))
            {
                changes.Add(new(ManifestChangeKind.Added, path, null, b.ToJsonString(Compact)));
            }
        }
        else if (b is null && a is not null)
        {
            if (!IsEmpty(a))
            {
                changes.Add(new(ManifestChangeKind.Removed, path, a.ToJsonString(Compact), null));
            }
        }
        else if (a is not null && b is not null && !JsonNode.DeepEquals(a, b))
        {
            changes.Add(new(ManifestChangeKind.Changed, path, a.ToJsonString(Compact), b.ToJsonString(Compact)));
        }
    }

    /// <summary>The property naming the items of both lists (<c>id</c> or <c>name</c>), when every item has a distinct one.</summary>
    private static string? KeyOf(JsonArray a, JsonArray b) => (KeyOf(a), KeyOf(b)) switch
    {
        (null, _) when a.Count > 0 => null,
        (_, null) when b.Count > 0 => null,
        ({ } ka, { } kb) => ka == kb ? ka : null,
        ({ } ka, null) => ka,
        (null, var kb) => kb,
    };

    private static string? KeyOf(JsonArray array)
    {
        if (array.Count == 0)
        {
            return null;
        }

        foreach (var candidate in (string[])["id", "name"])
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            if (array.All(item => item is JsonObject o && o[candidate] is JsonValue v && v.TryGetValue<string>(out var s) && keys.Add(s)))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsEmpty(JsonNode node) => node is JsonArray { Count: 0 };
}
