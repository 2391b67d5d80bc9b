namespace Cohort.Aggregation.States;

/// <summary>A mergeable state that answers quantiles: exact values or a sketch.</summary>
internal interface IQuantileState
{
    long Count { get; }

    void Add(double value);

    /// <summary>Merges a state of the same kind and parameters.</summary>
    void Merge(IQuantileState other);

    IQuantileState Clone();

    /// <summary>The quantile at <paramref name="fraction"/> in [0, 1], with linear interpolation between ranks.</summary>
    double Quantile(double fraction);
}
