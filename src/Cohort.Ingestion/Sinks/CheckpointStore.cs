using System.Buffers.Binary;
using Cohort.Ingestion.Buffering;

namespace Cohort.Ingestion.Sinks;

/// <summary>
/// Each sink's confirmed position in the log, one small file per sink (<c>segment u64, offset u64, CRC-32C u32</c>),
/// replaced atomically: written beside, flushed to the device, then renamed over the old one.
/// </summary>
internal sealed class CheckpointStore
{
    private const int Size = 20;
    private readonly string _directory;

    public CheckpointStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public WalPosition? Load(string sink)
    {
        var path = PathOf(sink);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != Size || Crc32C.Compute(bytes.AsSpan(0, 16)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)))
        {
            return null;
        }

        return new WalPosition(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
    }

    public void Save(string sink, WalPosition position)
    {
        Span<byte> bytes = stackalloc byte[Size];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, position.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], position.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[16..], Crc32C.Compute(bytes[..16]));
        var path = PathOf(sink);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1))
        {
            stream.Write(bytes);
            stream.Flush(true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private string PathOf(string sink) => Path.Combine(_directory, sink + ".checkpoint");
}
