namespace Cohort.Aggregation.Internal;

/// <summary>The camelCase names of statistics in definitions and results.</summary>
internal static class StatisticNames
{
    public static readonly string[] All = ["count", "countNotZero", "sum", "min", "max", "avg", "std", "median", "firstQuartile", "thirdQuartile"];

    public static MeasureStatistics Parse(string name) => name switch
    {
        "count" => MeasureStatistics.Count,
        "countNotZero" => MeasureStatistics.CountNotZero,
        "sum" => MeasureStatistics.Sum,
        "min" => MeasureStatistics.Min,
        "max" => MeasureStatistics.Max,
        "avg" => MeasureStatistics.Avg,
        "std" => MeasureStatistics.Std,
        "median" => MeasureStatistics.Median,
        "firstQuartile" => MeasureStatistics.FirstQuartile,
        "thirdQuartile" => MeasureStatistics.ThirdQuartile,
        _ => MeasureStatistics.None,
    };
}
