using Cohort.Core.LineProtocol;

namespace Cohort.Core.Portability.Internal;

/// <summary>
/// Reads one <c>data/*.lp</c> entry in batches of at most a given number of lines, holding only those lines in
/// memory. Every line must be a point of the entry's measurement (no blank lines or comments); a bad line throws an
/// <see cref="ArchiveFormatException"/> with the entry, line and column.
/// </summary>
internal sealed class EntryReader(string entry, string measurement, int linesPerBatch)
{
    private static readonly LineProtocolReader Reader = new(new LineProtocolReaderOptions { UnescapeLineFeeds = true });

    private byte[] _buffer = new byte[1 << 16];

    /// <summary>Calls <paramref name="onBatch"/> with each batch and the 1-based line number of its first line.</summary>
    public async Task ReadAsync(Stream stream, PointBatch batch, Func<PointBatch, long, Task> onBatch, CancellationToken cancellationToken)
    {
        var filled = 0;
        var linesBefore = 0L;
        var ended = false;
        while (true)
        {
            // Find the end of the batch's last line, reading more until there are enough lines or the entry ends.
            int cut;
            long lines;
            while (true)
            {
                cut = FindCut(_buffer.AsSpan(0, filled), linesPerBatch, out lines);
                if (lines == linesPerBatch || ended)
                {
                    break;
                }

                if (filled == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                ended = read == 0;
                filled += read;
            }

            if (lines == 0)
            {
                if (filled == 0)
                {
                    return;
                }

                // The last line, without a line feed.
                (cut, lines) = (filled, 1);
            }

            batch.Clear();
            Parse(_buffer.AsSpan(0, cut), batch, linesBefore);
            await onBatch(batch, linesBefore + 1).ConfigureAwait(false);
            _buffer.AsSpan(cut, filled - cut).CopyTo(_buffer);
            filled -= cut;
            linesBefore += lines;
        }
    }

    /// <summary>The length up to and including the last of at most <paramref name="maxLines"/> line feeds (0 if none).</summary>
    private static int FindCut(ReadOnlySpan<byte> data, int maxLines, out long lines)
    {
        lines = 0;
        var end = 0;
        while (lines < maxLines)
        {
            var next = data[end..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            end += next + 1;
            lines++;
        }

        return end;
    }

    private void Parse(ReadOnlySpan<byte> chunk, PointBatch batch, long linesBefore)
    {
        // One point a line: blank lines and comments would shift the line a store's rejection is reported on.
        var line = linesBefore;
        foreach (var range in chunk.Split((byte)'\n'))
        {
            var text = chunk[range];
            if (range.End.GetOffset(chunk.Length) == chunk.Length && text.IsEmpty)
            {
                break;
            }

            line++;
            if (text.IsEmpty || text.Trim((byte)' ').IsEmpty || text[0] == (byte)'#')
            {
                throw new ArchiveFormatException(entry, line, 1, null, "blank lines and comments are not allowed in an archive entry (one point a line)");
            }
        }

        try
        {
            Reader.Read(chunk, batch);
        }
        catch (LineProtocolException exception)
        {
            throw new ArchiveFormatException(entry, linesBefore + exception.Line, exception.Column, null, exception.Reason, exception);
        }

        for (var row = 0; row < batch.ValueCount; row++)
        {
            var series = batch.GetSeries(batch.SeriesIds[row]);
            if (!string.Equals(series.Measurement, measurement, StringComparison.Ordinal))
            {
                throw new ArchiveFormatException(entry, linesBefore + PointIndex(batch, row) + 1, 1, null, $"the point is of measurement \"{series.Measurement}\"; this entry holds \"{measurement}\"");
            }
        }
    }

    /// <summary>The 0-based index of the point a row belongs to.</summary>
    public static int PointIndex(PointBatch batch, int row)
    {
        var index = -1;
        for (var r = 0; r <= row; r++)
        {
            if (batch.StartsPoint(r))
            {
                index++;
            }
        }

        return index;
    }
}
