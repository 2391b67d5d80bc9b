using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Ingestion.Tests;

/// <summary>The public durable log the edge agent stores readings in: order, checkpoints, bound, recovery.</summary>
public class DurableLogTests
{
    [Property(MaxTest = 30)]
    public void Records_are_read_back_in_append_order_across_segments_and_reopen(PositiveInt count, PositiveInt commitEvery)
    {
        using var folder = new TempFolder();
        var options = new DurableLogOptions { Directory = folder.Path, SegmentBytes = 1024, MaxBytes = 1L << 20 };
        var n = count.Get % 300;
        var read = new List<int>();
        using (var log = DurableLog.Open(options))
        {
            Append(log, 0, n);
            using var reader = log.OpenReader("r");
            while (read.Count < n / 2 && reader.TryRead(out var record))
            {
                read.Add(BinaryPrimitives.ReadInt32LittleEndian(record.Span));
                if (read.Count % commitEvery.Get == 0)
                {
                    reader.Commit();
                }
            }

            reader.Commit();
        }

        // Reopened: the reader starts at its checkpoint; nothing is lost or repeated.
        using (var log = DurableLog.Open(options))
        {
            using var reader = log.OpenReader("r");
            while (reader.TryRead(out var record))
            {
                read.Add(BinaryPrimitives.ReadInt32LittleEndian(record.Span));
            }
        }

        Assert.Equal(Enumerable.Range(0, n), read);
    }

    [Fact]
    public void Records_read_but_not_committed_are_read_again_after_reopen()
    {
        using var folder = new TempFolder();
        var options = new DurableLogOptions { Directory = folder.Path };
        using (var log = DurableLog.Open(options))
        {
            Append(log, 0, 10);
            using var reader = log.OpenReader("r");
            for (var i = 0; i < 4; i++)
            {
                Assert.True(reader.TryRead(out _));
            }

            reader.Commit();
            Assert.True(reader.TryRead(out _));
        }

        using (var log = DurableLog.Open(options))
        {
            using var reader = log.OpenReader("r");
            Assert.True(reader.TryRead(out var record));
            Assert.Equal(4, BinaryPrimitives.ReadInt32LittleEndian(record.Span));
        }
    }

    [Fact]
    public async Task A_full_log_refuses_appends_until_a_reader_commits_past_whole_segments()
    {
        using var folder = new TempFolder();
        using var log = DurableLog.Open(new DurableLogOptions { Directory = folder.Path, SegmentBytes = 1024, MaxBytes = 4096 });
        using var reader = log.OpenReader("r");
        var appended = 0;
        var full = false;
        while (!full)
        {
            try
            {
                await log.AppendAsync(Record(appended, 100));
                appended++;
            }
            catch (BufferFullException ex)
            {
                Assert.True(ex.IsTransient);
                Assert.Contains("4096", ex.Message, StringComparison.Ordinal);
                full = true;
            }
        }

        Assert.InRange(log.TotalBytes, 3000, 4096);
        while (reader.TryRead(out _))
        {
        }

        reader.Commit();
        Assert.Equal(0, reader.PendingBytes);
        await log.AppendAsync(Record(appended, 100));
        Assert.True(reader.TryRead(out var next));
        Assert.Equal(appended, BinaryPrimitives.ReadInt32LittleEndian(next.Span));
    }

    [Fact]
    public async Task A_torn_tail_is_cut_at_reopen_and_the_whole_records_survive()
    {
        using var folder = new TempFolder();
        var options = new DurableLogOptions { Directory = folder.Path };
        using (var log = DurableLog.Open(options))
        {
            Append(log, 0, 5);
        }

        var segment = Directory.GetFiles(Path.Combine(folder.Path, "log"), "*.wal").Order(StringComparer.Ordinal).First();
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([42, 0, 0, 0, 1, 2]); // a record header cut short, as a power cut leaves it
        }

        using (var log = DurableLog.Open(options))
        {
            using var reader = log.OpenReader("r");
            var read = new List<int>();
            while (reader.TryRead(out var record))
            {
                read.Add(BinaryPrimitives.ReadInt32LittleEndian(record.Span));
            }

            Assert.Equal([0, 1, 2, 3, 4], read);
            await log.AppendAsync(Record(5, 8));
            Assert.True(reader.TryRead(out var appended));
            Assert.Equal(5, BinaryPrimitives.ReadInt32LittleEndian(appended.Span));
        }
    }

    [Fact]
    public async Task Concurrent_appends_are_all_committed_and_a_waiting_reader_wakes()
    {
        using var folder = new TempFolder();
        using var log = DurableLog.Open(new DurableLogOptions { Directory = folder.Path });
        using var reader = log.OpenReader("r");
        Assert.False(reader.TryRead(out _));
        await reader.WaitToReadAsync(); // the initial signal
        var wait = reader.WaitToReadAsync().AsTask();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => log.AppendAsync(Record(i, 16)).AsTask()));
        Assert.True(await wait);
        var read = new HashSet<int>();
        while (reader.TryRead(out var record))
        {
            read.Add(BinaryPrimitives.ReadInt32LittleEndian(record.Span));
        }

        Assert.Equal(200, read.Count);
    }

    [Fact]
    public void Reader_names_are_checked_and_unique()
    {
        using var folder = new TempFolder();
        using var log = DurableLog.Open(new DurableLogOptions { Directory = folder.Path });
        Assert.Throws<ArgumentException>(() => log.OpenReader("../escape"));
        using var reader = log.OpenReader("mqtt");
        Assert.Throws<InvalidOperationException>(() => log.OpenReader("mqtt"));
    }

    private static byte[] Record(int value, int size)
    {
        var record = new byte[Math.Max(size, 4)];
        BinaryPrimitives.WriteInt32LittleEndian(record, value);
        return record;
    }

    private static void Append(DurableLog log, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            log.AppendAsync(Record(i, 4 + (i % 50))).AsTask().GetAwaiter().GetResult();
        }
    }
}
