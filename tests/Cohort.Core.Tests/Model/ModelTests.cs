using Cohort.Core;

namespace Cohort.Core.Tests.Model;

public sealed class ModelTests
{
    [Fact]
    public void Tag_sets_are_sorted_and_equal_whatever_the_input_order()
    {
        var a = TagSet.Create(("z", "1"), ("a", "2"));
        var b = TagSet.Create(("a", "2"), ("z", "1"));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("a", a[0].Key);
    }

    [Fact]
    public void A_tag_key_given_twice_keeps_its_last_value()
    {
        var tags = TagSet.Create(("k", "first"), ("k", "second"));

        Assert.Single(tags);
        Assert.Equal("second", tags["k"]);
    }

    [Fact]
    public void Unsorted_tags_with_a_repeated_key_sort_and_keep_the_last_value()
    {
        var tags = TagSet.Create(("b", "1"), ("c", "z"), ("a", "x"), ("b", "2"));

        Assert.Equal(["a", "b", "c"], tags.Select(t => t.Key));
        Assert.Equal("2", tags["b"]);
        Assert.Equal(tags, TagSet.Create([new Tag("c", "z"), new Tag("b", "2"), new Tag("a", "x")]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void Invalid_tenant_ids_are_refused_with_the_reason(string id)
    {
        var error = Assert.Throws<ArgumentException>(() => new Tenant(id));
        Assert.Contains("Invalid tenant id", error.Message);
    }

    [Fact]
    public void Time_range_is_start_inclusive_end_exclusive()
    {
        var range = new TimeRange(10, 20);

        Assert.True(range.Contains(10));
        Assert.False(range.Contains(20));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeRange(20, 10));
    }

    [Fact]
    public void Field_values_keep_their_kind_and_refuse_the_wrong_accessor()
    {
        FieldValue value = 42UL;

        Assert.Equal(FieldKind.UInt64, value.Kind);
        Assert.Equal(42UL, value.AsUInt64());
        Assert.Throws<InvalidOperationException>(() => value.AsInt64());
        Assert.True(value.TryGetNumber(out var number));
        Assert.Equal(42.0, number);
        Assert.False(FieldValue.FromString("x").TryGetNumber(out _));
        Assert.NotEqual(FieldValue.FromInt64(1), FieldValue.FromUInt64(1));
    }

    [Fact]
    public void A_point_refuses_a_field_given_twice()
    {
        var error = Assert.Throws<ArgumentException>(() => new Point("m", TagSet.Empty, [new Field("a", 1.0), new Field("a", 2.0)], 0));
        Assert.Contains("'a'", error.Message);
    }

    [Fact]
    public void Query_matches_measurement_and_exact_tags()
    {
        var query = new PointQuery(TimeRange.All) { Measurement = "power", TagFilters = [new Tag("house", "h1")] };

        Assert.True(query.Matches(new SeriesKey("power", TagSet.Create(("house", "h1"), ("device", "pv")))));
        Assert.False(query.Matches(new SeriesKey("power", TagSet.Create(("house", "h2")))));
        Assert.False(query.Matches(new SeriesKey("energy", TagSet.Create(("house", "h1")))));
    }

    [Fact]
    public void Timestamps_convert_to_and_from_instants()
    {
        var instant = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        var ns = Timestamps.FromDateTimeOffset(instant);

        Assert.Equal(1_795_435_200_000_000_000, ns);
        Assert.Equal(instant, Timestamps.ToDateTimeOffset(ns));
    }

    [Fact]
    public void A_rejection_prints_its_position_or_its_field_before_the_reason()
    {
        Assert.Equal("3:17: bad", new Rejection("bad") { Line = 3, Column = 17, Field = "temp" }.ToString());
        Assert.Equal("3: bad", new Rejection("bad") { Line = 3 }.ToString());
        Assert.Equal("$[1].fields: bad", new Rejection("bad") { Field = "$[1].fields" }.ToString());
        Assert.Equal("bad", new Rejection("bad").ToString());
    }

    [Fact]
    public void Canonical_tag_text_escapes_separators_and_backslashes_so_different_sets_never_collide()
    {
        var tags = TagSet.Create(("room", "living room"), ("a=b", "x,y"), ("path", "c:\\tmp"));

        Assert.Equal("a\\=b=x\\,y,path=c:\\\\tmp,room=living\\ room", tags.ToCanonicalString());
        Assert.NotEqual(TagSet.Create(("a", "b,c=d")).ToCanonicalString(), TagSet.Create(("a", "b"), ("c", "d")).ToCanonicalString());
        Assert.Equal(string.Empty, TagSet.Empty.ToCanonicalString());
    }

    [Fact]
    public void Store_order_sorts_by_measurement_then_canonical_tags_ordinally()
    {
        SeriesKey[] keys =
        [
            new("m", TagSet.Create(("t", "b"))),
            new("M", TagSet.Create(("t", "z"))),
            new("m", TagSet.Create(("t", "a"))),
            new("m"),
        ];

        var sorted = keys.Order(SeriesKey.StoreOrder).Select(k => k.ToString()).ToArray();

        Assert.Equal(["M,t=z", "m", "m,t=a", "m,t=b"], sorted);
    }
}
