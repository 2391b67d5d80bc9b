using System.Buffers;
using System.Globalization;
using System.Text;
using Cohort.Core.LineProtocol;

namespace Cohort.Core.Tests.LineProtocol;

/// <summary>Allocation assertions (bytes counted on this thread), not timing ones.</summary>
public sealed class LineProtocolAllocationTests
{
    private const int Lines = 20_000;

    private static byte[] Input(bool withTimestamps)
    {
        var text = new StringBuilder();
        for (var i = 0; i < Lines; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"sensor\\ data,house=h{i % 13},room=r\\,{i % 5} temp={i * 0.25},n={i}i,u={i}u,ok={(i % 2 == 0 ? "t" : "FALSE")},\"e\\=k\"=-1.5e-3,mode=\"{(i % 3 == 0 ? "heat" : "eco \\\"2\\\"")}\"");
            text.Append(withTimestamps ? string.Create(CultureInfo.InvariantCulture, $" {1_700_000_000_000_000_000L + i}\r\n") : "\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reading_into_a_reused_batch_allocates_nothing_per_point(bool withTimestamps)
    {
        var input = Input(withTimestamps);
        var reader = new LineProtocolReader();
        var batch = new PointBatch();
        reader.Read(input, batch);
        batch.Clear();
        reader.Read(input, batch);
        batch.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = reader.Read(input, batch);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Lines, result.Points);
        Assert.Equal(65, batch.SeriesCount);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Writing_a_reused_batch_to_a_reused_buffer_allocates_nothing_per_point()
    {
        var batch = new PointBatch();
        new LineProtocolReader().Read(Input(withTimestamps: true), batch);
        var output = new ArrayBufferWriter<byte>();
        LineProtocolWriter.Default.Write(batch, output);
        output.ResetWrittenCount();
        LineProtocolWriter.Default.Write(batch, output);
        output.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = LineProtocolWriter.Default.Write(batch, output);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Lines * 6, result.Written);
        Assert.True(allocated < 256, $"{allocated} bytes allocated for {Lines} points (only the result should allocate)");
    }

    [Fact]
    public void Writing_single_points_to_a_reused_buffer_allocates_nothing_per_point()
    {
        var batch = new PointBatch();
        new LineProtocolReader().Read(Input(withTimestamps: true), batch);
        var points = batch.ToPoints().ToArray();
        var output = new ArrayBufferWriter<byte>();
        foreach (var point in points)
        {
            LineProtocolWriter.Default.Write(point, output);
        }

        output.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var written = 0;
        foreach (var point in points)
        {
            written += LineProtocolWriter.Default.Write(point, output).Written;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Lines * 6, written);
        Assert.True(allocated < 256, $"{allocated} bytes allocated for {Lines} points");
    }

    [Fact]
    public void Repeated_short_string_values_share_one_instance_and_long_ones_do_not()
    {
        var longValue = new string('x', 100);
        var batch = new PointBatch();
        new LineProtocolReader().Read($"m s=\"on\" 1\nm s=\"on\" 2\nm s=\"{longValue}\" 3\nm s=\"{longValue}\" 4\n", batch);

        Assert.Same(batch.GetValue(0).AsString(), batch.GetValue(1).AsString());
        Assert.Equal(longValue, batch.GetValue(2).AsString());
        Assert.NotSame(batch.GetValue(2).AsString(), batch.GetValue(3).AsString());
    }

    [Fact]
    public void Past_the_bound_of_shared_strings_values_are_still_read_right()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 5_000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"m s=\"v{i}\" {i}\n");
        }

        var batch = new PointBatch();
        new LineProtocolReader().Read(text.ToString(), batch);

        Assert.Equal("v4999", batch.GetValue(4_999).AsString());
        Assert.Equal("v0", batch.GetValue(0).AsString());
    }
}
