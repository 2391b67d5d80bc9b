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
