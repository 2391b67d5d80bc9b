using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Cohort.Core.LineProtocol;

/// <summary>
/// The line protocol state a <see cref="PointBatch"/> keeps for its lifetime (until <see cref="PointBatch.Reset"/>):
/// the ids of series and field keys by the raw bytes they were read from, the encoded bytes of series and field
/// keys for writing, and scratch buffers. With it, reading into a reused batch allocates nothing for series and
/// field keys seen before, and writing a reused batch escapes each series once.
/// </summary>
internal sealed class LineProtocolCache
{
    private readonly Dictionary<byte[], int> _seriesByRaw = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], int> _fieldsByRaw = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _seriesLookup;
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _fieldLookup;
    private readonly Dictionary<byte[], string> _strings = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _stringLookup;

    /// <summary>String values up to this many UTF-8 bytes are shared when they repeat.</summary>
    public const int MaxSharedStringBytes = 64;

    /// <summary>At most this many distinct string values are kept for sharing per batch.</summary>
    public const int MaxSharedStrings = 4_096;

    public LineProtocolCache()
    {
        _seriesLookup = _seriesByRaw.GetAlternateLookup<ReadOnlySpan<byte>>();
        _fieldLookup = _fieldsByRaw.GetAlternateLookup<ReadOnlySpan<byte>>();
        _stringLookup = _strings.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>
    /// The string of a (valid, unescaped) UTF-8 string value. Short values that repeat, such as a status or a mode,
    /// share one instance; the table is bounded, and past its bound values are decoded as they come.
    /// </summary>
    public string GetString(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxSharedStringBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        if (_stringLookup.TryGetValue(utf8, out var shared))
        {
            return shared;
        }

        var text = Encoding.UTF8.GetString(utf8);
        if (_strings.Count < MaxSharedStrings)
        {
            _stringLookup[utf8] = text;
        }

        return text;
    }

    // Reader scratch: the fields of the line being read, added to the batch only when the whole line is good.
    public int[] LineFieldIds = new int[8];
    public FieldKind[] LineKinds = new FieldKind[8];
    public long[] LineBits = new long[8];
    public string?[] LineStrings = new string?[8];

    /// <summary>Scratch for unescaping names and strings.</summary>
    public byte[] Scratch = new byte[256];

    /// <summary>Scratch for a line split across the segments of a sequence.</summary>
    public byte[] LineBuffer = [];

    // Writer cache: escaped UTF-8 of each series (measurement,tags) and field key by id; null until first written.
    public byte[]?[] SeriesText = [];
    public string?[] SeriesProblem = [];
    public byte[]?[] FieldText = [];
    public string?[] FieldProblem = [];

    public bool TryGetSeries(ReadOnlySpan<byte> raw, out int id) => _seriesLookup.TryGetValue(raw, out id);

    public void AddSeries(ReadOnlySpan<byte> raw, int id) => _seriesLookup[raw] = id;

    public bool TryGetField(ReadOnlySpan<byte> raw, out int id) => _fieldLookup.TryGetValue(raw, out id);

    public void AddField(ReadOnlySpan<byte> raw, int id) => _fieldLookup[raw] = id;

    public byte[] GetScratch(int length)
    {
        if (Scratch.Length < length)
        {
            Scratch = new byte[Math.Max(length, Scratch.Length * 2)];
        }

        return Scratch;
    }

    public byte[] GetLineBuffer(int length)
    {
        if (LineBuffer.Length < length)
        {
            LineBuffer = new byte[Math.Max(length, Math.Max(256, LineBuffer.Length * 2))];
        }

        return LineBuffer;
    }

    public void EnsureLineCapacity(int count)
    {
        if (LineFieldIds.Length >= count)
        {
            return;
        }

        var size = Math.Max(count, LineFieldIds.Length * 2);
        Array.Resize(ref LineFieldIds, size);
        Array.Resize(ref LineKinds, size);
        Array.Resize(ref LineBits, size);
        Array.Resize(ref LineStrings, size);
    }

    /// <summary>Forgets everything (the batch forgot its interned series and field keys).</summary>
    public void Clear()
    {
        _seriesByRaw.Clear();
        _fieldsByRaw.Clear();
        _strings.Clear();
        SeriesText = [];
        SeriesProblem = [];
        FieldText = [];
        FieldProblem = [];
    }

    /// <summary>Compares byte arrays by content, and looks them up by spans without allocating.</summary>
    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode([DisallowNull] byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            // HashCode is seeded per process, so crafted input cannot force collisions.
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
