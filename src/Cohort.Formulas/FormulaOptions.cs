namespace Cohort.Formulas;

/// <summary>Options of <see cref="AnalyticsRegistry"/>.</summary>
public sealed class FormulaOptions
{
    /// <summary>The bucket length of the continuous rollups kept for aggregated analytics (default one hour, as SGMP).</summary>
    public TimeSpan RollupPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How inputs are aligned when an evaluation names no policy (default <see cref="AlignmentPolicy.Union"/>, as SGMP).</summary>
    public AlignmentPolicy DefaultAlignment { get; set; } = AlignmentPolicy.Union;
}
