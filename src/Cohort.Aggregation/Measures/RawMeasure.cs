namespace Cohort.Aggregation;

/// <summary>
/// One contribution to a measure: a value for a period, sent by an application for one user (DACC's raw measure).
/// Groups come in order: <see cref="Group2"/> needs <see cref="Group1"/>, <see cref="Group3"/> needs
/// <see cref="Group2"/>.
/// </summary>
/// <param name="MeasureName">The measure definition's name.</param>
/// <param name="Value">The value (finite).</param>
/// <param name="StartDate">When the measured period starts; the aggregate bucket is the one holding it.</param>
/// <param name="CreatedBy">The application that produced the value.</param>
public sealed record RawMeasure(string MeasureName, double Value, DateTimeOffset StartDate, string CreatedBy)
{
    /// <summary>The first group, or <see langword="null"/>.</summary>
    public MeasureGroup? Group1 { get; init; }

    /// <summary>The second group, or <see langword="null"/>.</summary>
    public MeasureGroup? Group2 { get; init; }

    /// <summary>The third group, or <see langword="null"/>.</summary>
    public MeasureGroup? Group3 { get; init; }
}
