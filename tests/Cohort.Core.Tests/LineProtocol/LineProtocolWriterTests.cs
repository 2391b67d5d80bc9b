using System.Buffers;
using System.Text;
using Cohort.Core.LineProtocol;

namespace Cohort.Core.Tests.LineProtocol;

public sealed class LineProtocolWriterTests
{
    private static string Write(Point point, LineProtocolWriterOptions? options = null) =>
        new LineProtocolWriter(options).WriteToString(point);

    [Fact]
    public void Writes_measurement_sorted_tags_fields_and_timestamp()
    {
        var point = new Point("weather", TagSet.Create(("season", "summer"), ("location", "us-midwest")), [new Field("temperature", 82.0), new Field("humidity", 71L)], 1465839830100400200);

        Assert.Equal("weather,location=us-midwest,season=summer temperature=82,humidity=71i 1465839830100400200\n", Write(point));
    }

    [Theory]
    [InlineData("my measurement", "my\\ measurement")]
    [InlineData("my,measurement", "my\\,measurement")]
    [InlineData("a=b", "a=b")]
    [InlineData("back\\slash", "back\\slash")]
    [InlineData("ends\\", "ends\\\\")]
    [InlineData("before\\,comma", "before\\\\\\,comma")]
    [InlineData("double\\\\", "double\\\\\\\\")]
    [InlineData("\"quoted\"", "\"quoted\"")]
    [InlineData(" leading space", "\\ leading\\ space")]
    [InlineData("日本 😀", "日本\\ 😀")]
    public void Escapes_commas_and_spaces_in_measurements(string measurement, string expected) =>
        Assert.Equal($"{expected} v=1i 0\n", Write(new Point(measurement, TagSet.Empty, "v", 1L, 0)));

    [Theory]
    [InlineData("tag key", "v", "tag\\ key=v")]
    [InlineData("tag,key", "v", "tag\\,key=v")]
    [InlineData("tag=key", "v", "tag\\=key=v")]
    [InlineData("k", "tag value", "k=tag\\ value")]
    [InlineData("k", "tag,value", "k=tag\\,value")]
    [InlineData("k", "tag=value", "k=tag\\=value")]
    [InlineData("k", "a\\", "k=a\\\\")]
    [InlineData("k", "a\\=", "k=a\\\\\\=")]
    [InlineData("k", "\"q\"", "k=\"q\"")]
    public void Escapes_commas_equals_signs_and_spaces_in_tags(string key, string value, string expected) =>
        Assert.Equal($"m,{expected} v=1i 0\n", Write(new Point("m", TagSet.Create((key, value)), "v", 1L, 0)));

    [Theory]
    [InlineData("field key", "field\\ key")]
    [InlineData("field,key", "field\\,key")]
    [InlineData("field=key", "field\\=key")]
    [InlineData("\"field\"", "\"field\"")]
    public void Escapes_commas_equals_signs_and_spaces_in_field_keys(string key, string expected) =>
        Assert.Equal($"m {expected}=1i 0\n", Write(new Point("m", TagSet.Empty, key, 1L, 0)));

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("", "\"\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("spaces, commas=equals", "\"spaces, commas=equals\"")]
    [InlineData("日本語 😀", "\"日本語 😀\"")]
    public void Escapes_quotes_and_backslashes_in_string_values(string value, string expected) =>
        Assert.Equal($"m v={expected} 0\n", Write(new Point("m", TagSet.Empty, "v", value, 0)));

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(82.0, "82")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e300, "1E+300")]
    [InlineData(-0.0, "-0")]
    [InlineData(double.Epsilon, "5E-324")]
    [InlineData(double.MaxValue, "1.7976931348623157E+308")]
    [InlineData(-double.MaxValue, "-1.7976931348623157E+308")]
    public void Writes_doubles_in_shortest_round_trip_form(double value, string expected) =>
        Assert.Equal($"m v={expected} 0\n", Write(new Point("m", TagSet.Empty, "v", value, 0)));

    [Fact]
    public void Writes_integers_unsigned_and_booleans_with_their_suffixes()
    {
        var point = new Point("m", TagSet.Empty, [new Field("a", long.MinValue), new Field("b", ulong.MaxValue), new Field("c", true), new Field("d", false)], 0);

        Assert.Equal("m a=-9223372036854775808i,b=18446744073709551615u,c=true,d=false 0\n", Write(point));
    }

    [Theory]
    [InlineData(TimestampPrecision.Nanoseconds, "1700000000123456789")]
    [InlineData(TimestampPrecision.Microseconds, "1700000000123456")]
    [InlineData(TimestampPrecision.Milliseconds, "1700000000123")]
    [InlineData(TimestampPrecision.Seconds, "1700000000")]
    public void Divides_timestamps_by_the_precision(TimestampPrecision precision, string expected) =>
        Assert.Equal($"m v=1i {expected}\n", Write(new Point("m", TagSet.Empty, "v", 1L, 1700000000123456789), new LineProtocolWriterOptions { Precision = precision }));

    [Fact]
    public void Rounds_negative_timestamps_toward_the_past() =>
        Assert.Equal("m v=1i -2\n", Write(new Point("m", TagSet.Empty, "v", 1L, -1_500_000_000), new LineProtocolWriterOptions { Precision = TimestampPrecision.Seconds }));

    [Fact]
    public void Leaves_timestamps_out_when_asked() =>
        Assert.Equal("m v=1i\n", Write(new Point("m", TagSet.Empty, "v", 1L, 42), new LineProtocolWriterOptions { IncludeTimestamps = false }));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Rejects_a_float_line_protocol_cannot_carry_and_keeps_the_other_fields(double value)
    {
        var batch = PointBatch.FromPoints([new Point("m", TagSet.Empty, [new Field("ok", 1.0), new Field("bad", value)], 5)]);
        var output = new ArrayBufferWriter<byte>();

        var result = LineProtocolWriter.Default.Write(batch, output);

        Assert.Equal("m ok=1 5\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(1, result.Written);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.Index);
        Assert.Equal("bad", rejection.Field);
        Assert.Contains("line protocol has no NaN or infinity", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaves_out_a_point_whose_every_field_is_rejected()
    {
        var batch = PointBatch.FromPoints([new Point("m", TagSet.Empty, "v", double.NaN, 1), new Point("m", TagSet.Empty, "v", 2.0, 2)]);
        var output = new ArrayBufferWriter<byte>();

        var result = LineProtocolWriter.Default.Write(batch, output);

        Assert.Equal("m v=2 2\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(0, Assert.Single(result.Rejections).Index);
    }

    [Theory]
    [InlineData("line\nfeed", "x", "x", "measurement contains a line feed, which line protocol cannot carry")]
    [InlineData("#hash", "x", "x", "measurement \"#hash\" starts with '#', which line protocol reads as a comment")]
    [InlineData("\ttab", "x", "x", "measurement starts with a tab, which line protocol skips as whitespace")]
    [InlineData("m", "line\nfeed", "x", "tag key contains a line feed, which line protocol cannot carry")]
    [InlineData("m", "k", "line\nfeed", "value of tag \"k\" contains a line feed, which line protocol cannot carry")]
    public void Rejects_a_point_whose_series_line_protocol_cannot_carry(string measurement, string key, string value, string reason)
    {
        var batch = PointBatch.FromPoints([new Point(measurement, TagSet.Create((key, value)), "v", 1.0, 1)]);
        var output = new ArrayBufferWriter<byte>();

        var result = LineProtocolWriter.Default.Write(batch, output);

        Assert.Equal(0, output.WrittenCount);
        Assert.Equal(0, result.Written);
        Assert.Equal(reason, Assert.Single(result.Rejections).Reason);
    }

    [Theory]
    [InlineData("key\nfeed", "v", "field key contains a line feed, which line protocol cannot carry")]
    [InlineData("k", "two\nlines", "string value contains a line feed, which line protocol cannot carry")]
    public void Rejects_a_field_line_protocol_cannot_carry(string key, string value, string reason)
    {
        var point = new Point("m", TagSet.Empty, [new Field("ok", 1L), new Field(key, value)], 1);
        var output = new ArrayBufferWriter<byte>();

        var result = LineProtocolWriter.Default.Write(point, output);

        Assert.Equal("m ok=1i 1\n", Encoding.UTF8.GetString(output.WrittenSpan));
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(reason, rejection.Reason);
        Assert.Equal(key, rejection.Field);
        Assert.Equal(1, rejection.Index);
    }

    [Fact]
    public void Rejects_unpaired_surrogates_in_names_and_strings()
    {
        // Built at run time: attribute arguments cannot carry an unpaired surrogate.
        var lone = new string('\ud800', 1);
        var batch = PointBatch.FromPoints([new Point("m", TagSet.Create(("k", lone)), "v", 1.0, 1), new Point("m", TagSet.Empty, "v", lone + "x", 2)]);

        var result = LineProtocolWriter.Default.Write(batch, new ArrayBufferWriter<byte>());

        Assert.Equal(0, result.Written);
        Assert.Equal(["value of tag \"k\" is not valid UTF-16 (an unpaired surrogate)", "string value is not valid UTF-16 (an unpaired surrogate)"], result.Rejections.Select(r => r.Reason));
    }

    [Fact]
    public void WriteToString_refuses_what_it_cannot_write_instead_of_dropping_it()
    {
        var error = Assert.Throws<ArgumentException>(() => LineProtocolWriter.Default.WriteToString(new Point("m", TagSet.Empty, "v", double.NaN, 1)));

        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_a_batch_point_by_point_keeping_fields_together()
    {
        var batch = PointBatch.FromPoints(
        [
            new Point("cpu", TagSet.Create(("host", "a")), [new Field("u", 1.5), new Field("n", 2L)], 10),
            new Point("cpu", TagSet.Create(("host", "b")), "u", 2.5, 10),
            new Point("cpu", TagSet.Create(("host", "a")), "u", 3.5, 10),
        ]);

        var text = LineProtocolWriter.Default.WriteToString(batch);

        Assert.Equal("cpu,host=a u=1.5,n=2i 10\ncpu,host=b u=2.5 10\ncpu,host=a u=3.5 10\n", text);
    }

    [Fact]
    public async Task Writes_a_large_batch_to_a_stream_in_chunks()
    {
        var batch = new PointBatch();
        for (var i = 0; i < 20_000; i++)
        {
            batch.Add(new Point("m", TagSet.Create(("k", (i % 3).ToString())), "v", (long)i, i));
        }

        using var stream = new MemoryStream();
        var result = await LineProtocolWriter.Default.WriteAsync(batch, stream);

        Assert.Equal(20_000, result.Written);
        Assert.True(stream.Length > 128 * 1024);
        Assert.Equal(LineProtocolWriter.Default.WriteToString(batch), Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Writes_the_same_reused_batch_the_same_way_twice()
    {
        var batch = PointBatch.FromPoints([new Point("m", TagSet.Create(("a b", "c,d")), "e=f", "g\"h", 1)]);

        var first = LineProtocolWriter.Default.WriteToString(batch);
        var second = LineProtocolWriter.Default.WriteToString(batch);

        Assert.Equal("m,a\\ b=c\\,d e\\=f=\"g\\\"h\" 1\n", first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Forgets_cached_series_text_when_the_batch_is_reset()
    {
        var batch = PointBatch.FromPoints([new Point("old", TagSet.Empty, "v", 1L, 1)]);
        _ = LineProtocolWriter.Default.WriteToString(batch);

        batch.Reset();
        batch.Add(new Point("new", TagSet.Empty, "w", 2L, 2));

        Assert.Equal("new w=2i 2\n", LineProtocolWriter.Default.WriteToString(batch));
    }
}
