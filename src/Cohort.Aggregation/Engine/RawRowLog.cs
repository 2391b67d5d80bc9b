namespace Cohort.Aggregation.Engine;

/// <summary>
/// The raw measures of one measure in arrival order, as the engine keeps them for purges: each one's group state id
/// and value (12 bytes, in parallel fixed-size chunks: no large copies as it grows, no per-row zeroing, and the
/// oldest can be dropped from the front by a purge), and the arrival times as runs (every row of one
/// <see cref="MeasureAggregator.AddRange"/> call arrives at the same instant).
/// </summary>
internal sealed class RawRowLog
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<int[]> _keyChunks = [];
    private readonly List<double[]> _valueChunks = [];

    /// <summary>Arrival runs: the absolute index of a run's first row and its arrival ticks, in order.</summary>
    private readonly List<(long Start, long Ticks)> _runs = [];

    /// <summary>The absolute index of the first row of chunk 0.</summary>
    private long _base;

    /// <summary>The absolute index of the first row held.</summary>
    private long _head;

    /// <summary>The absolute index after the last row held.</summary>
    private long _end;

    public long Count => _end - _head;

    public int KeyIdAt(long index) => _keyChunks[Chunk(index)][Offset(index)];

    public double ValueAt(long index) => _valueChunks[Chunk(index)][Offset(index)];

    public void Append(int keyId, double value, long arrivedTicks)
    {
        if (_runs.Count == 0 || _runs[^1].Ticks != arrivedTicks)
        {
            _runs.Add((_end, arrivedTicks));
        }

        var position = _end - _base;
        var chunk = (int)(position >> ChunkBits);
        if (chunk == _keyChunks.Count)
        {
            _keyChunks.Add(GC.AllocateUninitializedArray<int>(ChunkSize));
            _valueChunks.Add(GC.AllocateUninitializedArray<double>(ChunkSize));
        }

        var offset = (int)(position & ChunkMask);
        _keyChunks[chunk][offset] = keyId;
        _valueChunks[chunk][offset] = value;
        _end++;
    }

    /// <summary>
    /// The longest contiguous stretch of rows from <paramref name="index"/> (relative to the first row held) up to
    /// <paramref name="end"/>: their key ids and values.
    /// </summary>
    public int Segment(long index, long end, out ReadOnlySpan<int> keyIds, out ReadOnlySpan<double> values)
    {
        var chunk = Chunk(index);
        var offset = Offset(index);
        var length = (int)Math.Min(ChunkSize - offset, end - index);
        keyIds = _keyChunks[chunk].AsSpan(offset, length);
        values = _valueChunks[chunk].AsSpan(offset, length);
        return length;
    }

    /// <summary>Whether a row in [<paramref name="from"/>, <paramref name="to"/>) arrived at or before <paramref name="ticks"/>.</summary>
    public bool AnyArrivedAtOrBefore(long from, long to, long ticks)
    {
        if (from >= to)
        {
            return false;
        }

        for (var r = RunOf(_head + from); r < _runs.Count && _runs[r].Start < _head + to; r++)
        {
            if (_runs[r].Ticks <= ticks)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many rows from the first, up to <paramref name="limit"/>, arrived at or before <paramref name="ticks"/> (stopping at the first that did not).</summary>
    public long PrefixArrivedAtOrBefore(long limit, long ticks)
    {
        long count = 0;
        for (var r = RunOf(_head); r < _runs.Count && count < limit; r++)
        {
            if (_runs[r].Ticks > ticks)
            {
                break;
            }

            var runEnd = r + 1 < _runs.Count ? _runs[r + 1].Start : _end;
            count = Math.Min(limit, runEnd - _head);
        }

        return count;
    }

    /// <summary>Drops the first <paramref name="count"/> rows.</summary>
    public void RemoveFirst(long count)
    {
        _head += count;
        if (Count == 0)
        {
            _keyChunks.Clear();
            _valueChunks.Clear();
            _runs.Clear();
            _base = _head = _end;
            return;
        }

        var wholeChunks = (int)((_head - _base) >> ChunkBits);
        if (wholeChunks > 0)
        {
            _keyChunks.RemoveRange(0, wholeChunks);
            _valueChunks.RemoveRange(0, wholeChunks);
            _base += (long)wholeChunks << ChunkBits;
        }

        var firstRun = RunOf(_head);
        if (firstRun > 0)
        {
            _runs.RemoveRange(0, firstRun);
        }
    }

    /// <summary>The index of the run holding the absolute row index.</summary>
    private int RunOf(long absolute)
    {
        int low = 0, high = _runs.Count - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_runs[middle].Start <= absolute)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private int Chunk(long index) => (int)((index + _head - _base) >> ChunkBits);

    private int Offset(long index) => (int)((index + _head - _base) & ChunkMask);
}
