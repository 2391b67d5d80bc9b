namespace Cohort.Aggregation;

/// <summary>The length of the period buckets a measure is aggregated over.</summary>
public enum AggregationPeriod
{
    /// <summary>One hour.</summary>
    Hour = 0,

    /// <summary>One calendar day (midnight to midnight in the measure's time zone).</summary>
    Day = 1,

    /// <summary>One ISO week, starting Monday at midnight in the measure's time zone.</summary>
    Week = 2,

    /// <summary>One calendar month, starting on the first at midnight in the measure's time zone.</summary>
    Month = 3,
}
