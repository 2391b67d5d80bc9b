namespace Cohort.Aggregation;

/// <summary>
/// One group of a raw measure or an aggregate: DACC's <c>{"key": value}</c> object. Values are kept as text
/// (a JSON number keeps its literal text); <see cref="Wildcard"/> stands for "every value" in wildcard aggregates.
/// </summary>
/// <param name="Key">The group key; must match the definition's key for this group.</param>
/// <param name="Value">The group value.</param>
public readonly record struct MeasureGroup(string Key, string Value)
{
    /// <summary>The value of a group replaced by a wildcard in an aggregate.</summary>
    public const string Wildcard = "*";

    /// <summary><c>{"key":"value"}</c>-like text for display.</summary>
    public override string ToString() => "{" + Key + ": " + Value + "}";
}
