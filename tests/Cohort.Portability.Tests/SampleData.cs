using Cohort.Core;
using Cohort.Storage.Conformance;

namespace Cohort.Portability.Tests;

/// <summary>Data that exercises every field type, extreme values, escaping and awkward names.</summary>
internal static class SampleData
{
    public static Tenant NewTenant() => new("p" + Guid.NewGuid().ToString("N")[..20]);

    /// <summary>Points as a store returns them: fields ordered by key, points in store order.</summary>
    public static List<Point> Points()
    {
        var tags = TagSet.Create(("k y", "v,1"), ("e=q", "back\\slash"), ("ünï", "日本 🙂"), ("quote", "\"q\""));
        // The contract's extreme fields, plus a string that looks like the archive's line feed escape.
        Field[] extremes = [.. StoreContract.ExtremeFields(), new("s_escape_n", @"not a \n line feed")];
        var points = new List<Point>
        {
            new("values", tags, extremes, 1_000),
            new("values", TagSet.Empty, [new Field("d_pi", -Math.E), new Field("s_unicode", "second")], 2_000),
            new("edge", TagSet.Empty, "f", 1L, StoreContract.MinTimestamp),
            new("edge", TagSet.Empty, "f", 2L, -1),
            new("edge", TagSet.Empty, "f", 3L, 0),
            new("edge", TagSet.Empty, "f", 4L, StoreContract.MaxTimestamp),
            new("Power", TagSet.Create(("house", "h1")), "watts", 1.5, 10),
            new("power", TagSet.Create(("house", "h1")), "watts", 2.5, 10),
            new("power", TagSet.Create(("house", "h2")), "watts", 3.5, 10),
            new("power", TagSet.Create(("house", "h2")), "watts", 4.5, 20),
            new("temp/room 1,a=b", TagSet.Create(("sensor", "s 1")), "celsius", 21L, 5),
            new("Ωμέγα 日本", TagSet.Empty, "ok", true, 7),
        };
        return [.. points
            .Select(p => new Point(p.Series, p.Fields.OrderBy(f => f.Key, StringComparer.Ordinal), p.Timestamp))
            .Order(Comparer<Point>.Create(StoreContract.ComparePoints))];
    }

    /// <summary>Many points over a few series, to cross several import and export batches.</summary>
    public static IEnumerable<Point> Many(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return new Point("bulk", TagSet.Create(("sensor", "s" + (i % 3))), [new Field("i", (long)i), new Field("v", i * 0.5)], 1_000_000L + i);
        }
    }
}
