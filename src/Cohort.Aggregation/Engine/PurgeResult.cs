namespace Cohort.Aggregation;

/// <summary>What a purge of raw measures did.</summary>
/// <param name="MeasureName">The measure.</param>
/// <param name="Purged">How many raw measures were removed.</param>
/// <param name="Remaining">How many raw measures remain.</param>
/// <param name="SkippedReason">Why nothing was purged when a safeguard stopped it, else <see langword="null"/>.</param>
public sealed record PurgeResult(string MeasureName, long Purged, long Remaining, string? SkippedReason);

/// <summary>The state of one measure in the engine.</summary>
/// <param name="MeasureName">The measure.</param>
/// <param name="RawCount">Raw measures held (aggregated or not).</param>
/// <param name="PendingCount">Raw measures not aggregated yet.</param>
/// <param name="GroupCount">Aggregate states (one per bucket, createdBy and groups).</param>
/// <param name="LastAggregated">When raw measures were last merged into the aggregates, or <see langword="null"/>.</param>
/// <param name="PrivacyBudgetSpent">The epsilon spent by differentially private queries so far.</param>
public sealed record MeasureStatus(string MeasureName, long RawCount, long PendingCount, int GroupCount, DateTimeOffset? LastAggregated, double PrivacyBudgetSpent);
