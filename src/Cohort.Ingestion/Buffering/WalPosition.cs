namespace Cohort.Ingestion.Buffering;

/// <summary>A place in the write-ahead log: a segment number and a byte offset in that segment's file.</summary>
internal readonly record struct WalPosition(long Segment, long Offset) : IComparable<WalPosition>
{
    public int CompareTo(WalPosition other) => Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    public static bool operator <(WalPosition left, WalPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(WalPosition left, WalPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(WalPosition left, WalPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(WalPosition left, WalPosition right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Segment}:{Offset}";
}
