namespace Cohort.Core;

/// <summary>
/// One period bucket of a rollup: the numeric values of the field's points with timestamps in
/// [<see cref="Start"/>, <see cref="Start"/> + period). Integers and booleans (1 or 0) count as numbers; strings are
/// left out.
/// </summary>
/// <param name="Start">The bucket start, Unix nanoseconds, aligned like TimescaleDB's <c>time_bucket</c>.</param>
/// <param name="Count">How many values.</param>
/// <param name="Sum">Their sum.</param>
/// <param name="Min">The smallest.</param>
/// <param name="Max">The largest.</param>
/// <param name="Avg">The mean (sum over count).</param>
/// <param name="First">The value with the earliest timestamp (on a tie, that of the first series in store order).</param>
/// <param name="Last">The value with the latest timestamp (on a tie, that of the last series in store order).</param>
public readonly record struct RollupBucket(long Start, long Count, double Sum, double Min, double Max, double Avg, double First, double Last);
