namespace Cohort.Aggregation.States;

/// <summary>A mergeable state that answers quantiles: exact values or a sketch.</summary>
internal interface IQuantileState
{
    long Count { get; }

    void Add(double value);

    /// <summary>Makes room for <paramref name="additional"/> more values (a hint; a sketch ignores it).</summary>
    void Reserve(int additional);

    /// <summary>Merges a state of the same kind and parameters.</summary>
    void Merge(IQuantileState other);

    IQuantileState Clone();

    /// <summary>The quantile at <paramref name="fraction"/> in [0, 1], with linear interpolation between ranks.</summary>
    double Quantile(double fraction);

    /// <summary>The quantiles at several fractions at once (what a release needs), into <paramref name="results"/>.</summary>
    void Quantiles(ReadOnlySpan<double> fractions, Span<double> results);
}
