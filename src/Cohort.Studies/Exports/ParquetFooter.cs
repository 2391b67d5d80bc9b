using System.Buffers.Binary;
using System.Reflection;
using Parquet.Meta;

namespace Cohort.Studies.Exports;

/// <summary>
/// Writes a Parquet footer (the Thrift-encoded <see cref="FileMetaData"/>, its length and the <c>PAR1</c> magic) for a
/// file assembled from copied column chunks. Parquet.Net reads and exposes <see cref="FileMetaData"/> publicly but
/// keeps its Thrift writer internal, so this calls that writer by reflection; Parquet.Net's version is pinned in
/// Directory.Packages.props and the export tests read every assembled file back, so a change there fails a test
/// rather than an export. (Replacing this with a small Thrift compact encoder of our own is a follow-up.)
/// </summary>
internal static class ParquetFooter
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private static readonly MethodInfo Write = typeof(FileMetaData).GetMethod("Write", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new NotSupportedException("This Parquet.Net version has no FileMetaData.Write: the Parquet export cannot assemble cached row groups.");

    private static readonly System.Type WriterType = Write.GetParameters() is [{ ParameterType: var type }] ? type
        : throw new NotSupportedException("This Parquet.Net version's FileMetaData.Write takes other arguments: the Parquet export cannot assemble cached row groups.");

    public static ReadOnlySpan<byte> Header => Magic;

    /// <summary>The footer bytes of <paramref name="metadata"/>.</summary>
    public static byte[] Serialize(FileMetaData metadata)
    {
        using var buffer = new MemoryStream();
        var writer = Activator.CreateInstance(WriterType, buffer);
        Write.Invoke(metadata, [writer]);
        var length = checked((int)buffer.Length);
        var footer = new byte[length + 8];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(footer);
        BinaryPrimitives.WriteInt32LittleEndian(footer.AsSpan(length), length);
        Magic.CopyTo(footer.AsSpan(length + 4));
        return footer;
    }

    /// <summary>Where a Parquet file's data ends (its footer begins), from the footer length before the closing magic.</summary>
    public static int DataEnd(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual(Magic) || !file[^4..].SequenceEqual(Magic))
        {
            throw new InvalidDataException("A cached Parquet export piece is not a Parquet file (no PAR1 magic at both ends); invalidate the cache.");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(file[^8..^4]);
        if (footerLength < 0 || footerLength > file.Length - 12)
        {
            throw new InvalidDataException($"A cached Parquet export piece has a footer length of {footerLength} in a file of {file.Length} bytes; invalidate the cache.");
        }

        return file.Length - 8 - footerLength;
    }
}
