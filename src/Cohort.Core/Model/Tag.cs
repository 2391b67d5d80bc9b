namespace Cohort.Core;

/// <summary>A tag: a key and a string value that, with the measurement, identify a series.</summary>
/// <param name="Key">The tag key; never empty.</param>
/// <param name="Value">The tag value; never empty (InfluxDB drops empty tag values).</param>
public readonly record struct Tag(string Key, string Value);

/// <summary>A named field value of a point.</summary>
/// <param name="Key">The field key; never empty.</param>
/// <param name="Value">The typed value.</param>
public readonly record struct Field(string Key, FieldValue Value);
