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
        Field[] extremes =
        [
            new("d_max", double.MaxValue), new("d_min", double.MinValue), new("d_eps", double.Epsilon),
            new("d_neg_eps", -double.Epsilon), new("d_zero", 0.0), new("d_pi", Math.PI), new("d_int", 2.0),
            new("i_max", long.MaxValue), new("i_min", long.MinValue), new("i_zero", 0L), new("i_neg", -1L),
            new("u_max", ulong.MaxValue), new("u_zero", 0UL), new("u_big", (ulong)long.MaxValue + 1),
            new("b_true", true), new("b_false", false),
            new("s_empty", ""), new("s_quotes", "say \"hi\" 'there'"), new("s_backslash", @"C:\path\ends\"),
            new("s_newlines", "line1\nline2\r\nline3\t"), new("s_unicode", "naïve 日本語 🙂 Ωμέγα"),
            new("s_lp", "a,b=c d"), new("s_escape_n", @"not a \n line feed"), new("s_long", new string('x', 10_000)),
        ];
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
