using System.Diagnostics.Metrics;
using Cohort.Core;
using Cohort.Ingestion.Buffering;
using Cohort.Ingestion.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Ingestion.Tests;

public class WriteAheadLogTests
{
    private static readonly string[] Measurements = ["env", "power", "survey"];

    [Fact]
    public void Crc32C_gives_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Property(MaxTest = 200)]
    public void A_batch_round_trips_through_its_binary_form(byte[] measurements, long[] timestamps, double[] doubles, long[] longs, bool[] flags)
    {
        var batch = new PointBatch();
        var rows = new[] { timestamps.Length, doubles.Length, longs.Length, flags.Length }.Max();
        for (var i = 0; i < rows; i++)
        {
            var series = new SeriesKey(Measurements[(measurements.Length > 0 ? measurements[i % measurements.Length] : 0) % 3], TagSet.Create(("k", "v" + (i % 4))));
            var timestamp = timestamps.Length > 0 ? timestamps[i % timestamps.Length] : i;
            FieldValue value = (i % 5) switch
            {
                0 when doubles.Length > 0 => doubles[i % doubles.Length],
                1 when longs.Length > 0 => longs[i % longs.Length],
                2 when longs.Length > 0 => unchecked((ulong)longs[i % longs.Length]),
                3 when flags.Length > 0 => flags[i % flags.Length],
                _ => "text ✓ " + i,
            };
            batch.Add(batch.InternSeries(series), batch.InternField("f" + (i % 3)), timestamp, value);
        }

        var writer = new ByteWriter();
        BatchSerializer.Write(writer, Messages.Tenant, batch);
        var copy = new PointBatch();
        var tenant = BatchSerializer.ReadInto(writer.WrittenSpan, copy);

        Assert.Equal(Messages.Tenant, tenant);
        Assert.Equal(batch.ValueCount, copy.ValueCount);
        for (var row = 0; row < batch.ValueCount; row++)
        {
            Assert.Equal(batch.Timestamps[row], copy.Timestamps[row]);
            Assert.Equal(batch.GetSeries(batch.SeriesIds[row]), copy.GetSeries(copy.SeriesIds[row]));
            Assert.Equal(batch.GetFieldKey(batch.FieldIds[row]), copy.GetFieldKey(copy.FieldIds[row]));
            Assert.Equal(batch.GetValue(row), copy.GetValue(row));
        }
    }

    [Fact]
    public void Records_survive_closing_and_reopening_the_log()
    {
        using var folder = new TempFolder();
        using (var log = Open(folder.Path))
        {
            AppendRecords(log, 0, 3);
        }

        using var reopened = Open(folder.Path);
        Assert.Equal([0, 1, 2], ReadAll(reopened));
    }

    [Fact]
    public void Rolls_over_to_new_segments_and_reads_across_them()
    {
        using var folder = new TempFolder();
        using var log = Open(folder.Path, segmentBytes: 200);
        AppendRecords(log, 0, 20);

        Assert.True(Directory.GetFiles(Path.Combine(folder.Path), "*.wal").Length > 2);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), ReadAll(log));
    }

    [Fact]
    public void Deletes_only_segments_wholly_before_the_oldest_checkpoint()
    {
        using var folder = new TempFolder();
        using var log = Open(folder.Path, segmentBytes: 200);
        AppendRecords(log, 0, 20);
        var cursor = new WalCursor(log.Start);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(log.TryRead(cursor, out _));
        }

        var before = log.TotalBytes;
        log.DeleteBefore(cursor.Position);

        Assert.True(log.TotalBytes < before);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), ReadFrom(log, cursor));
        var kept = ReadAll(log);
        Assert.InRange(kept[0], 1, 10);
        Assert.Equal(19, kept[^1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(9)]
    public void A_torn_tail_is_cut_and_the_records_before_it_survive(int bytesCut)
    {
        using var folder = new TempFolder();
        using (var log = Open(folder.Path))
        {
            AppendRecords(log, 0, 5);
        }

        var segment = Directory.GetFiles(folder.Path, "*.wal").Order().First();
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - bytesCut);
        }

        var (metrics, corruptions) = MetricsWithCorruptionCount();
        using var reopened = WriteAheadLog.Open(folder.Path, 1 << 20, NullLogger.Instance, metrics);
        Assert.Equal([0, 1, 2, 3], ReadAll(reopened));
        Assert.True(corruptions() > 0);
    }

    [Fact]
    public void A_flipped_byte_in_the_last_record_is_cut_and_the_records_before_it_survive()
    {
        using var folder = new TempFolder();
        using (var log = Open(folder.Path))
        {
            AppendRecords(log, 0, 5);
        }

        var segment = Directory.GetFiles(folder.Path, "*.wal").Order().First();
        var bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        using var reopened = Open(folder.Path);
        Assert.Equal([0, 1, 2, 3], ReadAll(reopened));

        // The cut is durable: appending after it and reopening again keeps both sides.
        AppendRecords(reopened, 100, 1);
        reopened.Dispose();
        using var third = Open(folder.Path);
        Assert.Equal([0, 1, 2, 3, 100], ReadAll(third));
    }

    [Fact]
    public void A_segment_with_a_broken_header_is_removed()
    {
        using var folder = new TempFolder();
        using (var log = Open(folder.Path))
        {
            AppendRecords(log, 0, 2);
        }

        File.WriteAllBytes(Path.Combine(folder.Path, "00000000000000000000.wal"), "XX"u8.ToArray());

        using var reopened = Open(folder.Path);
        Assert.Equal([0, 1], ReadAll(reopened));
        Assert.False(File.Exists(Path.Combine(folder.Path, "00000000000000000000.wal")));
    }

    private static WriteAheadLog Open(string folder, long segmentBytes = 1 << 20) =>
        WriteAheadLog.Open(folder, segmentBytes, NullLogger.Instance, new IngestionMetrics(new StandaloneMeterFactory()));

    private static (IngestionMetrics Metrics, Func<long> Corruptions) MetricsWithCorruptionCount()
    {
        var factory = new StandaloneMeterFactory();
        var metrics = new IngestionMetrics(factory);
        long total = 0;
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "cohort.ingestion.buffer.corruptions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref total, value));
        listener.Start();
        return (metrics, () => Interlocked.Read(ref total));
    }

    internal static void AppendRecords(WriteAheadLog log, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            var batch = new PointBatch();
            batch.Add(new Point("m", TagSet.Empty, "n", FieldValue.FromInt64(i), i));
            var writer = new ByteWriter();
            writer.Reserve(WriteAheadLog.FrameHeaderSize);
            BatchSerializer.Write(writer, Messages.Tenant, batch);
            WriteAheadLog.Frame(writer, 0);
            log.Append(writer.WrittenSpan);
            log.Commit(toDisk: true);
        }
    }

    private static List<long> ReadAll(WriteAheadLog log) => ReadFrom(log, new WalCursor(log.Start));

    private static List<long> ReadFrom(WriteAheadLog log, WalCursor cursor)
    {
        var values = new List<long>();
        while (log.TryRead(cursor, out var payload))
        {
            var batch = new PointBatch();
            BatchSerializer.ReadInto(payload.Span, batch);
            values.AddRange(batch.ToPoints().Select(p => p["n"]!.Value.AsInt64()));
        }

        cursor.Dispose();
        return values;
    }

}
