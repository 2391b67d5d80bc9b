using System.Buffers;
using System.Text.Json;

namespace Cohort.Ingestion.DeadLetters;

/// <summary>
/// The default dead-letter store: one JSON object per line (<c>time, tenant, source, stage, reason, line, column,
/// field, record</c>) appended to a file and flushed to the device before <see cref="AddAsync"/> completes.
/// </summary>
internal sealed class FileDeadLetterStore : IDeadLetterStore, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path;

    public FileDeadLetterStore(string path)
    {
        _path = path;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
    }

    public async ValueTask AddAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var entry in entries)
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                Write(json, entry);
            }

            buffer.Write("\n"u8);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            stream.Flush(true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    internal static void Write(Utf8JsonWriter json, DeadLetter entry)
    {
        json.WriteStartObject();
        json.WriteString("time", entry.Time);
        json.WriteString("tenant", entry.Tenant);
        json.WriteString("source", entry.SourceId);
        json.WriteString("stage", entry.Stage);
        json.WriteString("reason", entry.Reason);
        if (entry.Line is { } line)
        {
            json.WriteNumber("line", line);
        }

        if (entry.Column is { } column)
        {
            json.WriteNumber("column", column);
        }

        if (entry.Field is { } field)
        {
            json.WriteString("field", field);
        }

        if (entry.Record is { } record)
        {
            json.WriteString("record", record);
        }

        json.WriteEndObject();
    }
}
