using System.Collections;
using System.Collections.Frozen;
using Cohort.Aggregation.Internal;
using Cohort.Core;

namespace Cohort.Aggregation;

/// <summary>
/// A validated, immutable set of measure definitions with unique names, loaded from DACC-style JSON
/// (<c>{"definitions": [...]}</c> or a bare array, camelCase properties) or built in code. Thread-safe.
/// </summary>
public sealed class MeasureDefinitionSet : IReadOnlyCollection<MeasureDefinition>
{
    private static readonly string[] GroupNames = ["", "group1", "group2", "group3"];

    private readonly FrozenDictionary<string, MeasureDefinition> _byName;
    private readonly FrozenDictionary<string, TimeZoneInfo> _zones;
    private readonly MeasureDefinition[] _ordered;

    /// <summary>Creates a set from definitions, validating each.</summary>
    /// <exception cref="MeasureDefinitionException">A definition is invalid or two share a name.</exception>
    public MeasureDefinitionSet(IEnumerable<MeasureDefinition> definitions)
        : this(definitions, "definitions", [], nullIsError: true)
    {
    }

    private MeasureDefinitionSet(IEnumerable<MeasureDefinition?> definitions, string path, List<Rejection> errors, bool nullIsError)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        MeasureDefinition?[] all = [.. definitions];
        _ordered = [.. all.OfType<MeasureDefinition>()];
        var byName = new Dictionary<string, MeasureDefinition>(StringComparer.Ordinal);
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        for (var i = 0; i < all.Length; i++)
        {
            var definition = all[i];
            var prefix = $"{path}[{i}]";
            if (definition is null)
            {
                if (!nullIsError)
                {
                    continue;
                }

                errors.Add(new Rejection("A definition must be an object, not null.") { Field = prefix, Index = i });
                continue;
            }

            var zone = DefinitionValidation.Validate(definition, prefix, i, errors);
            if (string.IsNullOrEmpty(definition.Name))
            {
                continue;
            }

            if (!byName.TryAdd(definition.Name, definition))
            {
                errors.Add(new Rejection($"The measure name '{definition.Name}' is defined twice.") { Field = prefix + ".name", Index = i });
                continue;
            }

            zones[definition.Name] = zone ?? TimeZoneInfo.Utc;
        }

        if (errors.Count > 0)
        {
            throw new MeasureDefinitionException(errors.OrderBy(static e => e.Index ?? -1));
        }

        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _zones = zones.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The number of definitions.</summary>
    public int Count => _ordered.Length;

    /// <summary>Parses DACC-style definitions JSON.</summary>
    /// <exception cref="MeasureDefinitionException">The JSON is malformed or a definition is invalid; the error names the property.</exception>
    public static MeasureDefinitionSet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var (definitions, path, errors) = DefinitionJson.Parse(json);
        return new MeasureDefinitionSet(definitions, path, errors, nullIsError: false);
    }

    /// <summary>Reads DACC-style definitions JSON from a UTF-8 stream.</summary>
    /// <exception cref="MeasureDefinitionException">The JSON is malformed or a definition is invalid; the error names the property.</exception>
    public static async ValueTask<MeasureDefinitionSet> LoadAsync(Stream utf8Json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var reader = new StreamReader(utf8Json, leaveOpen: true);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        return Parse(text);
    }

    /// <summary>Reads DACC-style definitions JSON from a file.</summary>
    /// <exception cref="MeasureDefinitionException">The JSON is malformed or a definition is invalid; the error names the property.</exception>
    public static async ValueTask<MeasureDefinitionSet> LoadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The definition with this name, or <see langword="null"/>.</summary>
    public MeasureDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.GetValueOrDefault(name);
    }

    /// <summary>
    /// Checks a raw measure built in code against its definition (name known, value finite, created-by given, groups
    /// in order with the definition's keys).
    /// </summary>
    public RawMeasureResult Validate(RawMeasure measure)
    {
        ArgumentNullException.ThrowIfNull(measure);
        if (string.IsNullOrEmpty(measure.MeasureName))
        {
            return RawMeasureResult.Invalid(RawMeasureError.MissingMeasureName, "measureName", "measureName is required.");
        }

        if (Find(measure.MeasureName) is not { } definition)
        {
            return RawMeasureResult.Invalid(RawMeasureError.UnknownMeasure, "measureName", $"No measure is defined with the name '{measure.MeasureName}'.");
        }

        if (!double.IsFinite(measure.Value))
        {
            return RawMeasureResult.Invalid(RawMeasureError.InvalidValue, "value", "value must be a finite number.");
        }

        if (string.IsNullOrEmpty(measure.CreatedBy))
        {
            return RawMeasureResult.Invalid(RawMeasureError.MissingCreatedBy, "createdBy", "createdBy is required.");
        }

        if ((measure.Group2 is not null && measure.Group1 is null) || (measure.Group3 is not null && measure.Group2 is null))
        {
            var property = measure.Group3 is not null && measure.Group2 is null ? "group3" : "group2";
            var previous = property == "group3" ? "group2" : "group1";
            return RawMeasureResult.Invalid(RawMeasureError.GroupOutOfOrder, property, $"{property} is given without {previous}.");
        }

        return CheckGroup(definition, 1, measure.Group1, definition.Group1Key)
            ?? CheckGroup(definition, 2, measure.Group2, definition.Group2Key)
            ?? CheckGroup(definition, 3, measure.Group3, definition.Group3Key)
            ?? RawMeasureResult.Valid(measure);
    }

    /// <summary>
    /// Whether a raw measure of <paramref name="definition"/> is valid (the fast check of the add path, without
    /// building a result; <see cref="Validate"/> says why when it is not).
    /// </summary>
    internal static bool Conforms(RawMeasure measure, MeasureDefinition definition) =>
        double.IsFinite(measure.Value)
        && !string.IsNullOrEmpty(measure.CreatedBy)
        && GroupConforms(measure.Group1, definition.Group1Key)
        && GroupConforms(measure.Group2, definition.Group2Key)
        && GroupConforms(measure.Group3, definition.Group3Key);

    private static bool GroupConforms(MeasureGroup? group, string? key) => group is { } g
        ? key is not null && g.Value is not null && string.Equals(g.Key, key, StringComparison.Ordinal)
        : key is null;

    private static RawMeasureResult? CheckGroup(MeasureDefinition definition, int index, MeasureGroup? group, string? key)
    {
        if (group is { } g)
        {
            if (key is null)
            {
                return RawMeasureResult.Invalid(RawMeasureError.UndefinedGroup, GroupNames[index], $"The measure '{definition.Name}' has no {GroupNames[index]}.");
            }

            if (!string.Equals(g.Key, key, StringComparison.Ordinal))
            {
                return RawMeasureResult.Invalid(RawMeasureError.GroupKeyMismatch, GroupNames[index], $"{GroupNames[index]} must have the key '{key}', not '{g.Key}'.");
            }

            if (g.Value is null)
            {
                return RawMeasureResult.Invalid(RawMeasureError.InvalidGroup, GroupNames[index], $"{GroupNames[index]} needs a value.");
            }
        }
        else if (key is not null)
        {
            return RawMeasureResult.Invalid(RawMeasureError.MissingGroup, GroupNames[index], $"{GroupNames[index]} ({{\"{key}\": ...}}) is required by the measure '{definition.Name}'.");
        }

        return null;
    }

    /// <inheritdoc />
    public IEnumerator<MeasureDefinition> GetEnumerator() => ((IEnumerable<MeasureDefinition>)_ordered).GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The time zone of a definition's buckets (UTC when it names none).</summary>
    internal TimeZoneInfo GetZone(string measureName) => _zones.GetValueOrDefault(measureName) ?? TimeZoneInfo.Utc;
}
