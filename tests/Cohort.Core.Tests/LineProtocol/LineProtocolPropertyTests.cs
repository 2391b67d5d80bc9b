using System.Buffers;
using Cohort.Core.LineProtocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Core.Tests.LineProtocol;

public sealed class LineProtocolPropertyTests
{
    private static List<Point> RoundTrip(IEnumerable<Point> points, TimestampPrecision precision = TimestampPrecision.Nanoseconds)
    {
        var batch = PointBatch.FromPoints(points);
        var output = new ArrayBufferWriter<byte>();
        var result = new LineProtocolWriter(new LineProtocolWriterOptions { Precision = precision }).Write(batch, output);
        Assert.True(result.IsComplete, string.Join("; ", result.Rejections));

        var read = new PointBatch();
        new LineProtocolReader(new LineProtocolReaderOptions { Precision = precision }).Read(output.WrittenSpan, read);
        return [.. read.ToPoints()];
    }

    [Property(Arbitrary = [typeof(LineProtocolArbitraries)], MaxTest = 300)]
    public void Writing_then_reading_returns_the_same_point(Point point) =>
        Assert.Equal([point], RoundTrip([point]));

    [Property(Arbitrary = [typeof(LineProtocolArbitraries)], MaxTest = 100)]
    public void Writing_then_reading_returns_the_same_points_in_order(Point[] points) =>
        Assert.Equal(points, RoundTrip(points));

    [Property(Arbitrary = [typeof(LineProtocolArbitraries)], MaxTest = 200)]
    public void Writing_then_reading_keeps_every_double_bit_for_bit(Point point)
    {
        var read = Assert.Single(RoundTrip([point]));
        foreach (var field in point.Fields)
        {
            Assert.Equal(field.Value.RawBits, read[field.Key]!.Value.RawBits);
            Assert.Equal(field.Value.Kind, read[field.Key]!.Value.Kind);
        }
    }

    [Property(MaxTest = 200)]
    public Property Timestamps_that_are_multiples_of_the_unit_survive_every_precision() =>
        Prop.ForAll(
            Gen.Elements(TimestampPrecision.Nanoseconds, TimestampPrecision.Microseconds, TimestampPrecision.Milliseconds, TimestampPrecision.Seconds)
                .SelectMany(p => LineProtocolArbitraries.AnyLong.Select(t => (Precision: p, Timestamp: t / Timestamps.NanosecondsPer(p) * Timestamps.NanosecondsPer(p))))
                .ToArbitrary(),
            c =>
            {
                var point = new Point("m", TagSet.Create(("k", "v")), "f", 1L, c.Timestamp);
                Assert.Equal(c.Timestamp, Assert.Single(RoundTrip([point], c.Precision)).Timestamp);
            });

    [Property(Arbitrary = [typeof(LineProtocolArbitraries)], MaxTest = 200)]
    public void A_single_point_and_its_batch_write_the_same_text(Point point) =>
        Assert.Equal(LineProtocolWriter.Default.WriteToString(point), LineProtocolWriter.Default.WriteToString(PointBatch.FromPoints([point])));

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_throw_nothing_but_LineProtocolException_in_strict_mode() =>
        Prop.ForAll(Bytes(), bytes =>
        {
            try
            {
                new LineProtocolReader().Read(bytes, new PointBatch());
            }
            catch (LineProtocolException error)
            {
                Assert.True(error.Line >= 1 && error.Column >= 1, error.Message);
            }
        });

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_never_throw_in_lenient_mode_and_every_line_is_accounted_for() =>
        Prop.ForAll(Bytes(), bytes =>
        {
            var batch = new PointBatch();
            var result = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true }).Read(bytes, batch);

            Assert.Equal(batch.PointCount, result.Points);
            Assert.True(result.Points + result.Rejections.Length <= result.Lines);
            Assert.All(result.Rejections, r => Assert.True(r.Line >= 1 && r.Column >= 1));
        });

    [Property(MaxTest = 300)]
    public Property Arbitrary_bytes_read_the_same_from_a_span_and_from_a_segmented_sequence() =>
        Prop.ForAll(Bytes(), Gen.Choose(1, 7).ToArbitrary(), (bytes, size) =>
        {
            var options = new LineProtocolReaderOptions { Lenient = true, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() };
            var fromSpan = new PointBatch();
            var fromSequence = new PointBatch();
            var a = new LineProtocolReader(options).Read(bytes, fromSpan);
            var b = new LineProtocolReader(options).Read(Segments.Split(bytes, size), fromSequence);

            Assert.Equal(fromSpan.ToPoints(), fromSequence.ToPoints());
            Assert.Equal(a.Rejections.Select(r => r.ToString()), b.Rejections.Select(r => r.ToString()));
        });

    [Property(MaxTest = 300)]
    public Property Whatever_was_read_from_arbitrary_bytes_writes_and_reads_back_the_same() =>
        Prop.ForAll(Bytes(), bytes =>
        {
            var options = new LineProtocolReaderOptions { Lenient = true, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() };
            var batch = new PointBatch();
            new LineProtocolReader(options).Read(bytes, batch);
            var output = new ArrayBufferWriter<byte>();

            var written = LineProtocolWriter.Default.Write(batch, output);
            var again = new PointBatch();
            new LineProtocolReader().Read(output.WrittenSpan, again);

            Assert.True(written.IsComplete);
            Assert.Equal(batch.ToPoints(), again.ToPoints());
        });

    [Property(MaxTest = 200)]
    public Property Arbitrary_bytes_read_the_same_from_a_trickling_stream_as_from_a_span() =>
        Prop.ForAll(Bytes(), Gen.Choose(1, 9).ToArbitrary(), (bytes, chunk) =>
        {
            var options = new LineProtocolReaderOptions { Lenient = true, MaxLineLength = 64, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() };
            var fromSpan = new PointBatch();
            var fromStream = new PointBatch();
            var a = new LineProtocolReader(options).Read(bytes, fromSpan);
            using var stream = new TricklingStream(bytes, chunk);
            var b = new LineProtocolReader(options).ReadAsync(stream, fromStream).AsTask().GetAwaiter().GetResult();

            Assert.Equal(fromSpan.ToPoints(), fromStream.ToPoints());
            Assert.Equal(a.Points, b.Points);
            Assert.Equal(a.Rejections.Select(r => r.ToString()), b.Rejections.Select(r => r.ToString()));
        });

    /// <summary>Byte strings: mutated line protocol (mostly near-valid) and raw noise.</summary>
    private static Arbitrary<byte[]> Bytes()
    {
        var pieces = new[] { "m", ",", " ", "=", "\\", "\"", "#", "\n", "\r\n", "t", "1", "-", ".", "e", "i", "u", "9223372036854775808", "\t", "é" }
            .Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        var valid = LineProtocolArbitraries.Point.Select(p => System.Text.Encoding.UTF8.GetBytes(LineProtocolWriter.Default.WriteToString(p)));
        var structured = Gen.Elements(pieces).ListOf().Select(list => list.SelectMany(b => b).ToArray());
        var noise = Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf();
        var mutated = from text in valid
                      from at in Gen.Choose(0, 1_000)
                      from with in Gen.Elements(pieces)
                      select text.Take(at % (text.Length + 1)).Concat(with).Concat(text.Skip((at % (text.Length + 1)) + 1)).ToArray();
        return Gen.OneOf(structured, noise, mutated, valid).ToArbitrary();
    }
}
