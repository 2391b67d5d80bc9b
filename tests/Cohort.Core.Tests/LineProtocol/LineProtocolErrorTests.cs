using System.Text;
using Cohort.Core.LineProtocol;

namespace Cohort.Core.Tests.LineProtocol;

public sealed class LineProtocolErrorTests
{
    private static LineProtocolException Fails(string text) =>
        Assert.Throws<LineProtocolException>(() => new LineProtocolReader().Read(text, new PointBatch()));

    [Theory]
    [InlineData("m", 2, "expected a space and a field set after the measurement and tags")]
    [InlineData("m,t=1", 6, "expected a space and a field set after the measurement and tags")]
    [InlineData("m,t=a\\", 7, "expected a space and a field set after the measurement and tags")]
    [InlineData(",t=1 v=1", 1, "missing measurement")]
    [InlineData("m, v=1", 3, "expected a tag key after ','")]
    [InlineData("m,t=1, v=1", 7, "expected a tag key after ','")]
    [InlineData("m,=1 v=1", 3, "empty tag key")]
    [InlineData("m,t v=1", 4, "expected '=' after tag key \"t\"")]
    [InlineData("m,t,u=1 v=1", 4, "expected '=' after tag key \"t\"")]
    [InlineData("m,t=a=b v=1", 6, "unescaped '=' in the value of tag \"t\"")]
    [InlineData("m,t= v=1", 5, "empty value for tag \"t\"")]
    [InlineData("m,t=,u=1 v=1", 5, "empty value for tag \"t\"")]
    [InlineData("m,t=1,t=2 v=1", 7, "tag \"t\" is given twice")]
    [InlineData("m ,v=1", 3, "expected a field key")]
    [InlineData("m v=1,", 7, "expected a field key")]
    [InlineData("m v=1,,w=2", 7, "expected a field key")]
    [InlineData("m =1", 3, "expected a field key")]
    [InlineData("m temp 1", 7, "expected '=' after field key \"temp\"")]
    [InlineData("m temp", 7, "expected '=' after field key \"temp\"")]
    [InlineData("m temp,v=1", 7, "expected '=' after field key \"temp\"")]
    [InlineData("m v=", 5, "missing value for field \"v\"")]
    [InlineData("m v=,w=1", 5, "missing value for field \"v\"")]
    [InlineData("m v= 1", 5, "missing value for field \"v\"")]
    [InlineData("m v=tru", 5, "invalid boolean \"tru\" for field \"v\" (booleans are t, T, true, True, TRUE, f, F, false, False or FALSE; strings need double quotes)")]
    [InlineData("m v=tRUE", 5, "invalid boolean \"tRUE\" for field \"v\" (booleans are t, T, true, True, TRUE, f, F, false, False or FALSE; strings need double quotes)")]
    [InlineData("m v=abc", 5, "invalid value \"abc\" for field \"v\" (strings need double quotes)")]
    [InlineData("m v=NaN", 5, "invalid value \"NaN\" for field \"v\" (strings need double quotes)")]
    [InlineData("m v=+1", 5, "invalid value \"+1\" for field \"v\" (strings need double quotes)")]
    [InlineData("m v=1.5i", 5, "invalid integer \"1.5i\" for field \"v\"")]
    [InlineData("m v=-i", 5, "invalid integer \"-i\" for field \"v\"")]
    [InlineData("m v=1e3i", 5, "invalid integer \"1e3i\" for field \"v\"")]
    [InlineData("m v=9223372036854775808i", 5, "integer \"9223372036854775808i\" is out of range for field \"v\"")]
    [InlineData("m v=-9223372036854775809i", 5, "integer \"-9223372036854775809i\" is out of range for field \"v\"")]
    [InlineData("m v=99999999999999999999999i", 5, "integer \"99999999999999999999999i\" is out of range for field \"v\"")]
    [InlineData("m v=-1u", 5, "unsigned integer \"-1u\" is negative for field \"v\"")]
    [InlineData("m v=1.0u", 5, "invalid unsigned integer \"1.0u\" for field \"v\"")]
    [InlineData("m v=18446744073709551616u", 5, "unsigned integer \"18446744073709551616u\" is out of range for field \"v\"")]
    [InlineData("m v=1.2.3", 5, "invalid number \"1.2.3\" for field \"v\"")]
    [InlineData("m v=1e", 5, "invalid number \"1e\" for field \"v\"")]
    [InlineData("m v=-", 5, "invalid number \"-\" for field \"v\"")]
    [InlineData("m v=.", 5, "invalid number \".\" for field \"v\"")]
    [InlineData("m v=1x", 5, "invalid number \"1x\" for field \"v\"")]
    [InlineData("m v=-Infinity", 5, "invalid number \"-Infinity\" for field \"v\"")]
    [InlineData("m v=1e400", 5, "float \"1e400\" is out of range for field \"v\"")]
    [InlineData("m v=\"abc", 5, "unterminated string value for field \"v\"")]
    [InlineData("m v=\"abc\\\"", 5, "unterminated string value for field \"v\"")]
    [InlineData("m v=\"a\"x", 8, "expected ',' or a space after the value of field \"v\"")]
    [InlineData("m v=1 1 2", 8, "unexpected text after the timestamp")]
    [InlineData("m v=1 12a", 7, "invalid timestamp \"12a\"")]
    [InlineData("m v=1 1.5", 7, "invalid timestamp \"1.5\"")]
    [InlineData("m v=1 -", 7, "invalid timestamp \"-\"")]
    [InlineData("m v=1 9223372036854775808", 7, "timestamp \"9223372036854775808\" is out of range")]
    public void Rejects_a_bad_line_saying_what_and_where(string line, int column, string reason)
    {
        var error = Fails(line);

        Assert.Equal(1, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Equal(reason, error.Reason);
        Assert.Equal($"line 1, column {column}: {reason}", error.Message);
    }

    [Fact]
    public void Rejects_a_timestamp_that_overflows_at_its_precision()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Precision = TimestampPrecision.Milliseconds });

        var error = Assert.Throws<LineProtocolException>(() => reader.Read("m v=1 9223372036854776", new PointBatch()));

        Assert.Equal("timestamp \"9223372036854776\" is out of range at precision Milliseconds", error.Reason);
        Assert.Equal(7, error.Column);
    }

    [Fact]
    public void Counts_columns_in_characters_not_bytes()
    {
        var error = Fails("日本,地=東京 v=oops");

        Assert.Equal(11, error.Column);
    }

    [Fact]
    public void Counts_lines_from_one_including_comments_and_blank_lines()
    {
        var error = Fails("# header\n\nm v=1 1\nm v=\"open 2\n");

        Assert.Equal(4, error.Line);
        Assert.Equal("line 4, column 5: unterminated string value for field \"v\"", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, (byte)' ', (byte)'v', (byte)'=', (byte)'1' }, 1, "measurement is not valid UTF-8")]
    [InlineData(new byte[] { (byte)'m', (byte)',', 0xC3, (byte)'=', (byte)'1', (byte)' ', (byte)'v', (byte)'=', (byte)'1' }, 3, "tag key is not valid UTF-8")]
    [InlineData(new byte[] { (byte)'m', (byte)',', (byte)'k', (byte)'=', 0x80, (byte)' ', (byte)'v', (byte)'=', (byte)'1' }, 5, "value of tag \"k\" is not valid UTF-8")]
    [InlineData(new byte[] { (byte)'m', (byte)' ', 0xED, 0xA0, 0x80, (byte)'=', (byte)'1' }, 3, "field key is not valid UTF-8")]
    [InlineData(new byte[] { (byte)'m', (byte)' ', (byte)'v', (byte)'=', (byte)'"', 0xF8, (byte)'"' }, 5, "string value of field \"v\" is not valid UTF-8")]
    public void Rejects_invalid_utf8(byte[] line, int column, string reason)
    {
        var error = Assert.Throws<LineProtocolException>(() => new LineProtocolReader().Read(line, new PointBatch()));

        Assert.Equal(reason, error.Reason);
        Assert.Equal(column, error.Column);
    }

    [Fact]
    public void Rejects_a_line_longer_than_the_limit()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { MaxLineLength = 10 });

        var error = Assert.Throws<LineProtocolException>(() => reader.Read("m v=1 1\nmeasurement v=1 1\n", new PointBatch()));

        Assert.Equal(2, error.Line);
        Assert.Equal("line is longer than 10 bytes", error.Reason);
    }

    [Fact]
    public void An_escaped_newline_does_not_join_lines()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true });
        var batch = new PointBatch();

        var result = reader.Read("m,t=a\\\nb v=1 1\n", batch);

        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.Line);
        Assert.Equal("b", Assert.Single(batch.ToPoints()).Measurement);
    }

    [Fact]
    public void Strict_mode_keeps_the_lines_before_the_bad_one_and_adds_nothing_of_it()
    {
        var batch = new PointBatch();

        Assert.Throws<LineProtocolException>(() => new LineProtocolReader().Read("m v=1 1\nm a=1,b=oops 2\nm v=3 3\n", batch));

        Assert.Equal(1, batch.ValueCount);
        Assert.Equal(1L, Assert.Single(batch.ToPoints()).Timestamp);
    }

    [Fact]
    public void Lenient_mode_reports_each_bad_line_and_keeps_every_good_one()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true });
        var batch = new PointBatch();
        var text = "m v=1 1\nm,t=1 temp 2\n# comment\nm a=1,b=oops 3\nm v=4 4\r\n";

        var result = reader.Read(text, batch);

        Assert.Equal(2, result.Points);
        Assert.Equal(5, result.Lines);
        Assert.False(result.IsComplete);
        Assert.Equal([1L, 4L], batch.ToPoints().Select(p => p.Timestamp));
        Assert.Equal(2, batch.ValueCount);
        Assert.Collection(
            result.Rejections,
            r =>
            {
                Assert.Equal(2, r.Line);
                Assert.Equal(11, r.Column);
                Assert.Equal("expected '=' after field key \"temp\"", r.Reason);
                Assert.Equal("m,t=1 temp 2", r.Record);
                Assert.Equal("2:11: expected '=' after field key \"temp\"", r.ToString());
            },
            r =>
            {
                Assert.Equal(4, r.Line);
                Assert.Equal(9, r.Column);
                Assert.Equal("invalid value \"oops\" for field \"b\" (strings need double quotes)", r.Reason);
                Assert.Equal("m a=1,b=oops 3", r.Record);
            });
    }

    [Fact]
    public void Lenient_mode_truncates_long_records()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true, MaxRecordLength = 10 });

        var result = reader.Read("measurement_with_a_long_name,t=1", new PointBatch());

        Assert.Equal("measuremen…", Assert.Single(result.Rejections).Record);
    }

    [Fact]
    public void A_good_read_has_no_rejections()
    {
        var result = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true }).Read("m v=1 1\n", new PointBatch());

        Assert.True(result.IsComplete);
        Assert.Empty(result.Rejections);
    }

    [Fact]
    public void Rejects_a_bad_line_in_a_multi_segment_sequence_at_the_right_place()
    {
        var bytes = Encoding.UTF8.GetBytes("m v=1 1\nm,t=x v=bad 2\n");

        var error = Assert.Throws<LineProtocolException>(() => new LineProtocolReader().Read(Segments.Split(bytes, 4), new PointBatch()));

        Assert.Equal(2, error.Line);
        Assert.Equal(9, error.Column);
    }
}
