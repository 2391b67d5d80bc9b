using FsCheck;
using FsCheck.Fluent;

namespace Cohort.Core.Tests.LineProtocol;

/// <summary>Generators of points that stress line protocol: escapes, unicode, extreme numbers.</summary>
public static class LineProtocolArbitraries
{
    // Pieces of names and strings: plain text, every character line protocol escapes, backslashes, unicode.
    private static readonly string[] Atoms =
    [
        "a", "b", "Z", "0", "9", "_", ".", "-", ",", " ", "=", "\\", "\"", "#", "\t", "\r", "\0", "é", "日本", "😀", "\\,", "\\ ", "\\=", "\\\\",
    ];

    private static readonly double[] ExtremeDoubles =
    [
        0.0, -0.0, 1e300, -1e300, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, double.MinValue, 0.1, 1.0 / 3, 123456789012345678.0, 1e-300,
    ];

    private static readonly long[] ExtremeLongs = [0, 1, -1, long.MinValue, long.MaxValue, long.MinValue + 1, int.MaxValue];

    private static readonly ulong[] ExtremeULongs = [0, 1, ulong.MaxValue, long.MaxValue, (ulong)long.MaxValue + 1];

    /// <summary>Any 64 bits.</summary>
    public static Gen<long> AnyLong { get; } =
        Gen.Choose(int.MinValue, int.MaxValue).Two().Select(t => ((long)t.Item1 << 32) | (uint)t.Item2);

    /// <summary>Text built from the atoms, possibly empty.</summary>
    public static Gen<string> Text { get; } =
        Gen.Elements(Atoms).ListOf().Select(parts => string.Concat(parts));

    /// <summary>Non-empty text that line protocol can carry as a name.</summary>
    public static Gen<string> Name { get; } = Text.Where(t => t.Length > 0);

    /// <summary>A measurement line protocol can carry (not starting with '#' or a tab).</summary>
    public static Gen<string> Measurement { get; } = Name.Where(t => t[0] != '#' && t[0] != '\t');

    /// <summary>A finite double: extremes, or any bit pattern that is finite.</summary>
    public static Gen<double> FiniteDouble { get; } = Gen.OneOf(
        Gen.Elements(ExtremeDoubles),
        AnyLong.Select(BitConverter.Int64BitsToDouble).Where(double.IsFinite));

    /// <summary>Any field value line protocol can carry.</summary>
    public static Gen<FieldValue> Value { get; } = Gen.OneOf(
        FiniteDouble.Select(d => FieldValue.FromDouble(d)),
        Gen.OneOf(Gen.Elements(ExtremeLongs), AnyLong).Select(FieldValue.FromInt64),
        Gen.OneOf(Gen.Elements(ExtremeULongs), AnyLong.Select(l => unchecked((ulong)l))).Select(FieldValue.FromUInt64),
        Gen.Elements(true, false).Select(FieldValue.FromBoolean),
        Text.Select(FieldValue.FromString));

    /// <summary>Points line protocol can carry.</summary>
    public static Gen<Point> Point { get; } =
        from measurement in Measurement
        from tags in Gen.Zip(Name, Name).ListOf()
        from keys in Name.NonEmptyListOf()
        from values in Value.ArrayOf(keys.Distinct(StringComparer.Ordinal).Count())
        from timestamp in Gen.OneOf(Gen.Elements(ExtremeLongs), AnyLong)
        select new Point(
            measurement,
            TagSet.Create(tags.Select(t => new Tag(t.Item1, t.Item2))),
            keys.Distinct(StringComparer.Ordinal).Zip(values, (k, v) => new Field(k, v)),
            timestamp);

    /// <summary>Arbitrary points for <c>[Property]</c>.</summary>
    public static Arbitrary<Point> Points() => Point.ToArbitrary();

    /// <summary>Arbitrary lists of points.</summary>
    public static Arbitrary<Point[]> PointArrays() => Point.ArrayOf().ToArbitrary();
}
