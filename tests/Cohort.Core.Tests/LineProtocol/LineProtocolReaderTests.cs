using System.Text;
using Cohort.Core.LineProtocol;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Core.Tests.LineProtocol;

public sealed class LineProtocolReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    internal static List<Point> Read(string text, TimestampPrecision precision = TimestampPrecision.Nanoseconds)
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Precision = precision, TimeProvider = new FakeTimeProvider(Now) });
        var batch = new PointBatch();
        reader.Read(text, batch);
        return [.. batch.ToPoints()];
    }

    private static Point ReadOne(string text, TimestampPrecision precision = TimestampPrecision.Nanoseconds) => Assert.Single(Read(text, precision));

    private static LineProtocolException Fails(string text) =>
        Assert.Throws<LineProtocolException>(() => Read(text));

    [Fact]
    public void Reads_a_point_with_tags_fields_and_timestamp()
    {
        var point = ReadOne("weather,location=us-midwest,season=summer temperature=82,humidity=71i 1465839830100400200");

        Assert.Equal("weather", point.Measurement);
        Assert.Equal(TagSet.Create(("location", "us-midwest"), ("season", "summer")), point.Tags);
        Assert.Equal(82.0, point["temperature"]!.Value.AsDouble());
        Assert.Equal(71L, point["humidity"]!.Value.AsInt64());
        Assert.Equal(1465839830100400200, point.Timestamp);
    }

    [Fact]
    public void Sorts_tags_given_in_any_order_into_one_series()
    {
        var reader = new LineProtocolReader();
        var batch = new PointBatch();
        reader.Read("m,b=2,a=1 v=1 1\nm,a=1,b=2 v=2 2\n", batch);

        Assert.Equal(1, batch.SeriesCount);
        Assert.Equal(2, batch.PointCount);
        Assert.Equal("a", batch.GetSeries(0).Tags[0].Key);
    }

    [Theory]
    [InlineData("m v=1.5", 1.5)]
    [InlineData("m v=-1.5", -1.5)]
    [InlineData("m v=1", 1.0)]
    [InlineData("m v=1.", 1.0)]
    [InlineData("m v=.5", 0.5)]
    [InlineData("m v=1e3", 1000.0)]
    [InlineData("m v=1E+300", 1e300)]
    [InlineData("m v=2.5e-3", 0.0025)]
    [InlineData("m v=5E-324", double.Epsilon)]
    [InlineData("m v=1.7976931348623157E+308", double.MaxValue)]
    public void Reads_floats(string line, double expected) =>
        Assert.Equal(expected, ReadOne(line)["v"]!.Value.AsDouble());

    [Fact]
    public void Reads_negative_zero_with_its_sign()
    {
        var value = ReadOne("m v=-0")["v"]!.Value.AsDouble();

        Assert.True(double.IsNegative(value));
        Assert.Equal(0.0, value);
    }

    [Theory]
    [InlineData("m v=0i", 0L)]
    [InlineData("m v=-42i", -42L)]
    [InlineData("m v=9223372036854775807i", long.MaxValue)]
    [InlineData("m v=-9223372036854775808i", long.MinValue)]
    public void Reads_signed_integers(string line, long expected) =>
        Assert.Equal(expected, ReadOne(line)["v"]!.Value.AsInt64());

    [Theory]
    [InlineData("m v=0u", 0UL)]
    [InlineData("m v=18446744073709551615u", ulong.MaxValue)]
    public void Reads_unsigned_integers(string line, ulong expected) =>
        Assert.Equal(expected, ReadOne(line)["v"]!.Value.AsUInt64());

    [Theory]
    [InlineData("t", true)]
    [InlineData("T", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("f", false)]
    [InlineData("F", false)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("FALSE", false)]
    public void Reads_every_boolean_spelling(string spelling, bool expected) =>
        Assert.Equal(expected, ReadOne($"m v={spelling}")["v"]!.Value.AsBoolean());

    [Theory]
    [InlineData("m v=\"plain\"", "plain")]
    [InlineData("m v=\"\"", "")]
    [InlineData("m v=\"with \\\"quotes\\\"\"", "with \"quotes\"")]
    [InlineData("m v=\"back\\\\slash\"", "back\\slash")]
    [InlineData("m v=\"lone \\ backslash\"", "lone \\ backslash")]
    [InlineData("m v=\"ends in backslash\\\\\"", "ends in backslash\\")]
    [InlineData("m v=\"spaces, commas=and equals\"", "spaces, commas=and equals")]
    [InlineData("m v=\"日本語 😀\"", "日本語 😀")]
    public void Reads_string_values_with_escapes(string line, string expected) =>
        Assert.Equal(expected, ReadOne(line)["v"]!.Value.AsString());

    [Theory]
    [InlineData("my\\ measurement v=1", "my measurement")]
    [InlineData("my\\,measurement v=1", "my,measurement")]
    [InlineData("a=b v=1", "a=b")]
    [InlineData("back\\\\slash v=1", "back\\slash")]
    [InlineData("lone\\slash v=1", "lone\\slash")]
    [InlineData("not\\=escaped v=1", "not\\=escaped")]
    public void Reads_escapes_in_measurements(string line, string expected) =>
        Assert.Equal(expected, ReadOne(line).Measurement);

    [Theory]
    [InlineData("m,tag\\ key=v f=1", "tag key", "v")]
    [InlineData("m,tag\\,key=v f=1", "tag,key", "v")]
    [InlineData("m,tag\\=key=v f=1", "tag=key", "v")]
    [InlineData("m,k=tag\\ value f=1", "k", "tag value")]
    [InlineData("m,k=tag\\,value f=1", "k", "tag,value")]
    [InlineData("m,k=tag\\=value f=1", "k", "tag=value")]
    [InlineData("m,k=a\\\\ f=1", "k", "a\\")]
    [InlineData("m,k=\"quoted\" f=1", "k", "\"quoted\"")]
    public void Reads_escapes_in_tag_keys_and_values(string line, string key, string value)
    {
        var tag = Assert.Single(ReadOne(line).Tags);

        Assert.Equal(new Tag(key, value), tag);
    }

    [Theory]
    [InlineData("m field\\ key=1", "field key")]
    [InlineData("m field\\,key=1", "field,key")]
    [InlineData("m field\\=key=1", "field=key")]
    [InlineData("m \"field\"=1", "\"field\"")]
    public void Reads_escapes_in_field_keys(string line, string key) =>
        Assert.Equal(key, Assert.Single(ReadOne(line).Fields).Key);

    [Fact]
    public void Skips_comments_and_blank_lines_and_accepts_crlf()
    {
        var points = Read("# a comment\r\n\r\n   \nm v=1 1\r\n  # indented comment\nm v=2 2\r\n");

        Assert.Equal([1L, 2L], points.Select(p => p.Timestamp));
    }

    [Fact]
    public void Accepts_leading_and_trailing_whitespace_and_several_spaces_between_sections()
    {
        var point = ReadOne("  \tm,t=1   v=1i   123 \t ");

        Assert.Equal(123, point.Timestamp);
        Assert.Equal(1L, point["v"]!.Value.AsInt64());
    }

    [Fact]
    public void Stamps_lines_without_timestamp_with_the_time_provider()
    {
        var point = ReadOne("m v=1");

        Assert.Equal(Timestamps.FromDateTimeOffset(Now), point.Timestamp);
    }

    [Fact]
    public void A_field_key_given_twice_in_a_line_keeps_its_last_value()
    {
        var reader = new LineProtocolReader();
        var batch = new PointBatch();
        reader.Read("m a=1,b=2,a=3 1", batch);

        Assert.Equal(2, batch.ValueCount);
        var point = Assert.Single(batch.ToPoints());
        Assert.Equal(["a", "b"], point.Fields.Select(f => f.Key));
        Assert.Equal(3.0, point["a"]!.Value.AsDouble());
    }

    [Theory]
    [InlineData(TimestampPrecision.Nanoseconds, 1L)]
    [InlineData(TimestampPrecision.Microseconds, 1_000L)]
    [InlineData(TimestampPrecision.Milliseconds, 1_000_000L)]
    [InlineData(TimestampPrecision.Seconds, 1_000_000_000L)]
    public void Multiplies_timestamps_by_the_precision(TimestampPrecision precision, long factor) =>
        Assert.Equal(-17 * factor, ReadOne(Invariant($"m v=1 -17"), precision).Timestamp);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    [Fact]
    public void Keeps_two_lines_of_the_same_series_and_timestamp_as_two_points()
    {
        var points = Read("m v=1 5\nm v=2 5\n");

        Assert.Equal(2, points.Count);
    }

    [Fact]
    public void Reads_a_sequence_whose_lines_span_segments()
    {
        var text = "m,t=a v=1 1\nm,t=b s=\"hello\" 2\nm v=3i 3";
        var bytes = Encoding.UTF8.GetBytes(text);
        var sequence = Segments.Split(bytes, 3);
        var batch = new PointBatch();

        var result = new LineProtocolReader().Read(sequence, batch);

        Assert.Equal(3, result.Points);
        Assert.Equal(Read(text), batch.ToPoints());
    }

    [Fact]
    public async Task Reads_a_stream_line_by_line()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < 5_000; i++)
        {
            builder.Append(Invariant($"cpu,host=h{i % 7} usage={i}.5,n={i}i {i}\n"));
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(builder.ToString()));
        var batch = new PointBatch();

        var result = await new LineProtocolReader().ReadAsync(stream, batch);

        Assert.Equal(5_000, result.Points);
        Assert.Equal(5_000, batch.PointCount);
        Assert.Equal(7, batch.SeriesCount);
        Assert.Equal(4_999L * 1, batch.Timestamps[^1]);
    }

    [Fact]
    public async Task Reports_the_line_number_of_a_bad_line_in_a_stream()
    {
        var text = string.Concat(Enumerable.Repeat("m v=1 1\n", 2_000)) + "m v=oops 2\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var error = await Assert.ThrowsAsync<LineProtocolException>(() => new LineProtocolReader().ReadAsync(stream, new PointBatch()).AsTask());

        Assert.Equal(2_001, error.Line);
        Assert.Equal(5, error.Column);
    }

    [Fact]
    public async Task Rejects_a_line_longer_than_the_limit_in_a_stream_and_reads_on()
    {
        var text = "m v=1 1\nm v=\"" + new string('x', 10_000) + "\" 2\nm v=3 3\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true, MaxLineLength = 1_000 });
        var batch = new PointBatch();

        var result = await reader.ReadAsync(stream, batch);

        Assert.Equal(2, result.Points);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.Line);
        Assert.Equal("line is longer than 1000 bytes", rejection.Reason);
        Assert.Equal(1, rejection.Column);
        Assert.Equal([1L, 3L], batch.ToPoints().Select(p => p.Timestamp));
    }

    [Fact]
    public async Task Accepts_a_line_of_exactly_the_limit_followed_by_crlf_from_a_stream()
    {
        var line = "m v=\"" + new string('x', 94) + "\"";
        Assert.Equal(100, line.Length);
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { MaxLineLength = 100 });
        using var stream = new TricklingStream(Encoding.UTF8.GetBytes(line + "\r\n" + line + "x\r\n"), 1);

        var error = await Assert.ThrowsAsync<LineProtocolException>(() => reader.ReadAsync(stream, new PointBatch()).AsTask());

        Assert.Equal(2, error.Line);
    }

    [Fact]
    public async Task Reads_from_a_pipe_as_the_writer_fills_it_and_leaves_it_open()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var batch = new PointBatch();
        var reading = new LineProtocolReader().ReadAsync(pipe.Reader, batch).AsTask();

        foreach (var piece in new[] { "m,t=a v=1", " 1\nm,t=a v=", "2 2\n", "m v=\"x\" 3" })
        {
            await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(piece));
        }

        await pipe.Writer.CompleteAsync();
        var result = await reading;

        Assert.Equal(3, result.Points);
        Assert.Equal([1L, 2L, 3L], batch.ToPoints().Select(p => p.Timestamp));
        await pipe.Reader.CompleteAsync();
    }

    [Fact]
    public void Reads_a_last_line_without_a_line_feed() =>
        Assert.Equal(7, ReadOne("m v=1 7").Timestamp);
}
