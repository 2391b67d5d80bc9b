using Cohort.Core.LineProtocol;

namespace Cohort.Core.Tests.LineProtocol;

/// <summary>The snippets in docs/line-protocol.md and src/Cohort.Core/README.md say what they print.</summary>
public sealed class LineProtocolDocsTests
{
    [Fact]
    public void Guide_snippet_reads_leniently_and_writes_at_seconds()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true, Precision = TimestampPrecision.Seconds });
        var batch = new PointBatch();
        var result = reader.Read("power,house=h1,device=pv watts=1520.5,ok=true 1700000000\npower watts=oops\n", batch);

        Assert.Equal(1, result.Points);
        Assert.Equal("2:13: invalid value \"oops\" for field \"watts\" (strings need double quotes)", Assert.Single(result.Rejections).ToString());
        var text = new LineProtocolWriter(new LineProtocolWriterOptions { Precision = TimestampPrecision.Seconds }).WriteToString(batch);
        Assert.Equal("power,device=pv,house=h1 watts=1520.5,ok=true 1700000000\n", text);
    }

    [Fact]
    public void Readme_snippet_reports_the_bad_line_and_writes_the_good_one()
    {
        var reader = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true });
        var batch = new PointBatch();
        var result = reader.Read("cpu,host=a usage=0.5,cores=8i 1700000000000000000\ncpu,host=a usage=oops\n", batch);

        Assert.Equal("2:18: invalid value \"oops\" for field \"usage\" (strings need double quotes)", Assert.Single(result.Rejections).ToString());
        Assert.Equal("cpu,host=a usage=0.5,cores=8i 1700000000000000000\n", LineProtocolWriter.Default.WriteToString(batch));
    }

    [Fact]
    public void Guide_escaping_table_is_what_the_writer_writes()
    {
        var point = new Point("my measurement,x", TagSet.Create(("tag key", "a=b,c")), [new Field("field=key", "say \"hi\" \\o/")], 1);

        Assert.Equal("my\\ measurement\\,x,tag\\ key=a\\=b\\,c field\\=key=\"say \\\"hi\\\" \\\\o/\" 1\n", LineProtocolWriter.Default.WriteToString(point));
        Assert.Equal("C:\\temp v=1i 1\n", LineProtocolWriter.Default.WriteToString(new Point("C:\\temp", TagSet.Empty, "v", 1L, 1)));
    }
}
