namespace Cohort.Aggregation;

/// <summary>How a measure's aggregates keep what they need to answer quantiles.</summary>
public enum QuantileMode
{
    /// <summary>
    /// Every value is kept in the aggregate state (sorted on demand), so quantiles are exact and identical to
    /// PostgreSQL's <c>percentile_cont</c>, also after new values merge in and after raw measures are purged.
    /// </summary>
    Exact = 0,

    /// <summary>
    /// A mergeable DDSketch with the definition's relative accuracy: bounded memory for very large groups, each
    /// quantile within a relative error of the exact one (see the aggregation guide).
    /// </summary>
    Sketch = 1,
}
