namespace Cohort.Aggregation;

/// <summary>The statistics a measure definition releases; aggregate results carry only these.</summary>
[Flags]
public enum MeasureStatistics
{
    /// <summary>No statistic.</summary>
    None = 0,

    /// <summary>The number of raw measures.</summary>
    Count = 1,

    /// <summary>The number of raw measures whose value is not zero.</summary>
    CountNotZero = 2,

    /// <summary>The sum of the values.</summary>
    Sum = 4,

    /// <summary>The smallest value.</summary>
    Min = 8,

    /// <summary>The largest value.</summary>
    Max = 16,

    /// <summary>The mean value.</summary>
    Avg = 32,

    /// <summary>The sample standard deviation (0 for a single value).</summary>
    Std = 64,

    /// <summary>The median (50th percentile, linear interpolation).</summary>
    Median = 128,

    /// <summary>The first quartile (25th percentile, linear interpolation).</summary>
    FirstQuartile = 256,

    /// <summary>The third quartile (75th percentile, linear interpolation).</summary>
    ThirdQuartile = 512,

    /// <summary>What DACC returns for every measure: count, countNotZero, sum, min, max, avg, std.</summary>
    Basic = Count | CountNotZero | Sum | Min | Max | Avg | Std,

    /// <summary>Median, first and third quartile (DACC's <c>withQuartiles</c>).</summary>
    Quartiles = Median | FirstQuartile | ThirdQuartile,
}
