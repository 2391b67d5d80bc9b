using System.Runtime.InteropServices;

namespace Cohort.Aggregation.Engine;

/// <summary>One raw measure as the engine keeps it: its group state id, value and arrival time (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct RawRow(int KeyId, double Value, long ArrivedTicks);

/// <summary>
/// The raw measures of one measure in arrival order, in fixed-size chunks (no large copies as it grows; the
/// oldest can be dropped from the front by a purge).
/// </summary>
internal sealed class RawRowLog
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<RawRow[]> _chunks = [];
    private int _head;
    private long _end;

    public long Count => _end - _head;

    public RawRow this[long index]
    {
        get
        {
            var absolute = index + _head;
            return _chunks[(int)(absolute >> ChunkBits)][absolute & ChunkMask];
        }
    }

    public void Append(RawRow row)
    {
        var chunk = (int)(_end >> ChunkBits);
        if (chunk == _chunks.Count)
        {
            _chunks.Add(new RawRow[ChunkSize]);
        }

        _chunks[chunk][_end & ChunkMask] = row;
        _end++;
    }

    /// <summary>Drops the first <paramref name="count"/> rows.</summary>
    public void RemoveFirst(long count)
    {
        var absolute = _head + count;
        var wholeChunks = (int)(absolute >> ChunkBits);
        if (wholeChunks > 0)
        {
            _chunks.RemoveRange(0, wholeChunks);
            _end -= (long)wholeChunks << ChunkBits;
            absolute -= (long)wholeChunks << ChunkBits;
        }

        _head = (int)absolute;
        if (Count == 0)
        {
            _chunks.Clear();
            _head = 0;
            _end = 0;
        }
    }
}
