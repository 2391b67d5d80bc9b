using System.Text;
using Cohort.Core;
using Cohort.Ingestion.Decoding;

namespace Cohort.Ingestion.Tests;

public sealed class LineProtocolPayloadDecoderTests
{
    private static readonly LineProtocolPayloadDecoder Decoder = new();

    private static IngestMessage Message(string text, string contentType = "text/plain") =>
        new(Messages.Tenant, "meter-1", contentType, Encoding.UTF8.GetBytes(text), DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    [Theory]
    [InlineData("text/plain", true)]
    [InlineData("text/plain; charset=utf-8; precision=ms", true)]
    [InlineData("application/x-influxdb-line-protocol", true)]
    [InlineData("application/json", false)]
    public void Accepts_the_line_protocol_media_types(string contentType, bool expected) =>
        Assert.Equal(expected, Decoder.CanDecode(contentType));

    [Fact]
    public async Task Bad_lines_are_rejections_with_line_and_column_and_good_lines_land()
    {
        var result = await Decoder.DecodeAsync(Message("power,house=h1 watts=1.5 1\npower,house=h1 watts=oops 2\npower,house=h1 watts=2.5 3\n"));

        Assert.Equal(2, result.Batch.PointCount);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.Line);
        Assert.Equal(22, rejection.Column);
    }

    [Fact]
    public async Task The_precision_parameter_scales_timestamps()
    {
        var result = await Decoder.DecodeAsync(Message("m v=1 1700000000000", "text/plain; precision=ms"));

        Assert.Equal(1_700_000_000_000_000_000, result.Batch.Timestamps[0]);
    }

    [Fact]
    public async Task Lines_without_a_timestamp_take_the_time_the_message_was_received()
    {
        var result = await Decoder.DecodeAsync(Message("m v=1\n"));

        Assert.Equal(1_700_000_000_000_000_000, result.Batch.Timestamps[0]);
    }

    [Fact]
    public async Task An_unknown_precision_rejects_the_message_naming_the_content_type()
    {
        var result = await Decoder.DecodeAsync(Message("m v=1 1", "text/plain; precision=h"));

        Assert.True(result.Batch.IsEmpty);
        Assert.Equal("content-type", Assert.Single(result.Rejections).Field);
    }

    [Fact]
    public async Task The_pipeline_decodes_line_protocol_through_its_registered_decoder()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "memory"));

        var ack = await pipeline.Ingestor.IngestAsync(Message("env,room=r1 n=1 1\nenv,room=r1 n=bad 2\nenv,room=r2 n=3 3\n"));

        Assert.Equal(2, ack.Accepted);
        Assert.Equal(1, ack.Rejected);
        await sink.WaitForAsync(2);
        Assert.Equal([1.0, 3.0], sink.Points.Select(p => p.Point["n"]!.Value.AsDouble()).Order());
    }
}
