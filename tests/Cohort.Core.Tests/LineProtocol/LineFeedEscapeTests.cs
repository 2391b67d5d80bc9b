using Cohort.Core.LineProtocol;

namespace Cohort.Core.Tests.LineProtocol;

/// <summary>The opt-in extension that carries line feeds in string values as <c>\n</c> (used by tenant archives).</summary>
public sealed class LineFeedEscapeTests
{
    private static readonly LineProtocolWriter Escaping = new(new LineProtocolWriterOptions { EscapeLineFeeds = true });
    private static readonly LineProtocolReader Unescaping = new(new LineProtocolReaderOptions { UnescapeLineFeeds = true });

    [Fact]
    public void Writes_a_line_feed_in_a_string_value_as_backslash_n()
    {
        var text = Escaping.WriteToString(new Point("m", TagSet.Empty, "s", "two\nlines \\n \"q\"", 1));

        Assert.Equal("m s=\"two\\nlines \\\\n \\\"q\\\"\" 1\n", text);
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("\n")]
    [InlineData("ends\\")]
    [InlineData("literal \\n stays")]
    [InlineData("\\\n\\n\r\n")]
    public void Reads_back_exactly_what_it_wrote(string value)
    {
        var batch = new PointBatch();
        Unescaping.Read(Escaping.WriteToString(new Point("m", TagSet.Empty, "s", value, 1)), batch);

        Assert.Equal(value, Assert.Single(batch.ToPoints())["s"]!.Value.AsString());
    }

    [Fact]
    public void By_default_the_reader_keeps_backslash_n_as_two_characters_as_InfluxDB_does()
    {
        var batch = new PointBatch();
        new LineProtocolReader().Read("m s=\"a\\nb\" 1\n", batch);

        Assert.Equal("a\\nb", Assert.Single(batch.ToPoints())["s"]!.Value.AsString());
    }

    [Fact]
    public void Names_with_a_line_feed_are_still_rejected()
    {
        var result = Escaping.Write(new Point("m", TagSet.Create(("k", "a\nb")), "s", "x", 1), new System.Buffers.ArrayBufferWriter<byte>());

        Assert.Contains("line feed", Assert.Single(result.Rejections).Reason);
    }
}
