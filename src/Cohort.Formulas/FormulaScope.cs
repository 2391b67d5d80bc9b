using System.Collections.Frozen;
using Cohort.Core;
using Cohort.Formulas.Analytics;

namespace Cohort.Formulas;

/// <summary>
/// What a formula may refer to: a catalog of device fields (or any field when there is none) and the named
/// analytics of one scope, such as a house. Immutable.
/// </summary>
public sealed class FormulaScope
{
    /// <summary>Creates a scope.</summary>
    /// <param name="analytics">Named analytics by name (case-sensitive).</param>
    /// <param name="fields">The device fields that exist; <see langword="null"/> to accept any field.</param>
    public FormulaScope(IEnumerable<KeyValuePair<string, Formula>>? analytics = null, IEnumerable<FieldReference>? fields = null)
    {
        Analytics = (analytics ?? []).ToFrozenDictionary(StringComparer.Ordinal);
        Fields = fields?.ToFrozenSet();
    }

    /// <summary>A scope with no analytics that accepts any device field.</summary>
    public static FormulaScope Empty { get; } = new();

    /// <summary>The named analytics of this scope.</summary>
    public IReadOnlyDictionary<string, Formula> Analytics { get; }

    /// <summary>The device fields that exist, or <see langword="null"/> when any field is accepted.</summary>
    public IReadOnlySet<FieldReference>? Fields { get; }

    /// <summary>
    /// Reads a scope's analytics from the JSON that <see cref="AnalyticsRegistry.ExportJson"/> writes
    /// (<c>{"analytics":[{"name":..., "formula":...}]}</c>), checking every formula.
    /// </summary>
    /// <exception cref="FormulaException">A formula does not parse or bind (the message names the analytic).</exception>
    /// <exception cref="CohortException">The JSON is malformed.</exception>
    public static FormulaScope FromAnalyticsJson(string json, IEnumerable<FieldReference>? fields = null)
    {
        var definitions = AnalyticsJson.Read(json);
        var scope = new FormulaScope(definitions.Select(d => KeyValuePair.Create(d.Name, d.Parse())), fields);
        foreach (var definition in definitions)
        {
            Binding.Binder.Bind(scope.Analytics[definition.Name], scope, definition.Name);
        }

        return scope;
    }

    /// <summary>A copy with the analytic <paramref name="name"/> added or replaced.</summary>
    public FormulaScope WithAnalytic(string name, Formula formula)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(formula);
        var analytics = Analytics.ToDictionary(StringComparer.Ordinal);
        analytics[name] = formula;
        return new FormulaScope(analytics, Fields);
    }
}
