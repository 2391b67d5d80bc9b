using System.Text;
using Cohort.Core;

namespace Cohort.Storage.Conformance;

/// <summary>
/// The rules of the store contract that are values or orders (docs/storage.md), shared by the suite, its reference
/// model and any adapter that wants them.
/// </summary>
public static class StoreContract
{
    /// <summary>The earliest timestamp every store accepts (InfluxDB's minimum, 1677-09-21).</summary>
    public const long MinTimestamp = -9_223_372_036_854_775_806;

    /// <summary>The latest timestamp every store accepts (InfluxDB's maximum, 2262-04-11).</summary>
    public const long MaxTimestamp = 9_223_372_036_854_775_806;

    /// <summary>
    /// One field of every type at its extremes and awkward values (limits, ±epsilon, empty, quotes, backslashes, line
    /// feeds, Unicode, line protocol's special characters, 10,000 characters): what every store must give back exactly.
    /// </summary>
    /// <returns>A new array, in a fixed order.</returns>
    public static Field[] ExtremeFields() =>
    [
        new("d_max", double.MaxValue), new("d_min", double.MinValue), new("d_eps", double.Epsilon),
        new("d_neg_eps", -double.Epsilon), new("d_zero", 0.0), new("d_pi", Math.PI), new("d_int", 2.0),
        new("i_max", long.MaxValue), new("i_min", long.MinValue), new("i_zero", 0L), new("i_neg", -1L),
        new("u_max", ulong.MaxValue), new("u_zero", 0UL), new("u_big", (ulong)long.MaxValue + 1),
        new("b_true", true), new("b_false", false),
        new("s_empty", ""), new("s_quotes", "say \"hi\" 'there'"), new("s_backslash", @"C:\path\ends\"),
        new("s_newlines", "line1\nline2\r\nline3\t"), new("s_unicode", "naïve 日本語 🙂 Ωμέγα"),
        new("s_lp", "a,b=c d"), new("s_long", new string('x', 10_000)),
    ];

    /// <summary>
    /// The canonical text of a tag set: <c>key=value</c> pairs in key order joined by <c>,</c>, with <c>\</c>,
    /// <c>,</c>, <c>=</c> and space escaped by a backslash in keys and values (line protocol's escaping).
    /// </summary>
    public static string CanonicalTags(TagSet tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return tags.ToCanonicalString();
    }

    /// <summary>Series order: measurement, then canonical tag text, both compared ordinally (UTF-16 code units).</summary>
    public static int CompareSeries(SeriesKey x, SeriesKey y) => SeriesKey.StoreOrder.Compare(x, y);

    /// <summary>The order of read results: series (see <see cref="CompareSeries"/>), then timestamp.</summary>
    public static int ComparePoints(Point x, Point y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var bySeries = CompareSeries(x.Series, y.Series);
        return bySeries != 0 ? bySeries : x.Timestamp.CompareTo(y.Timestamp);
    }
}
