using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Uploads;

/// <summary>The two upload formats.</summary>
internal enum UploadFormat
{
    /// <summary>Beiwe's line format (RSA key line, AES-128-CBC lines).</summary>
    Beiwe,

    /// <summary>Cohort's envelope (header "CHEV", AES-256-GCM chunks).</summary>
    Envelope,
}

/// <summary>One upload waiting for decryption.</summary>
internal sealed record UploadJob(string Participant, string UploadId, UploadFormat Format);

/// <summary>What became of an upload (written beside its data as <c>&lt;uploadId&gt;.json</c>).</summary>
/// <param name="Status"><c>pending</c>, <c>stored</c>, <c>empty</c> or <c>failed</c>.</param>
internal sealed record UploadStatus(string UploadId, string Status, string Format, DateTimeOffset? ProcessedAt = null)
{
    public long? Lines { get; init; }

    public long? PlaintextBytes { get; init; }

    public IReadOnlyList<string>? LineErrors { get; init; }

    public IReadOnlyList<string>? Repairs { get; init; }

    public string? AtRestKey { get; init; }

    public string? Reason { get; init; }
}

/// <summary>
/// The upload folders: <c>incoming/&lt;participant&gt;/&lt;id&gt;.&lt;format&gt;</c> (raw, as received; the queue
/// survives restarts), <c>data/&lt;participant&gt;/&lt;id&gt;.cohort</c> (decrypted then encrypted at rest) with
/// <c>&lt;id&gt;.json</c> (the report), and <c>problems/</c> (the dead letter: raw file and reason).
/// </summary>
internal sealed class UploadStore(IOptions<StudyServerOptions> options, TimeProvider time)
{
    private readonly Channel<UploadJob> _queue = Channel.CreateUnbounded<UploadJob>();
    private int _pending;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private string Root => options.Value.DataDirectory;

    public int Pending => Volatile.Read(ref _pending);

    public ChannelReader<UploadJob> Queue => _queue.Reader;

    public string RawPath(UploadJob job) => Path.Combine(Root, "incoming", job.Participant, job.UploadId + Extension(job.Format));

    public string DataPath(UploadJob job) => Path.Combine(Root, "data", job.Participant, job.UploadId + ".cohort");

    public string StatusPath(UploadJob job) => Path.Combine(Root, "data", job.Participant, job.UploadId + ".json");

    public string ProblemPath(UploadJob job) => Path.Combine(Root, "problems", job.Participant, job.UploadId + Extension(job.Format));

    /// <summary>Stores the body raw (under a temporary name until complete) and queues it; returns the job.</summary>
    public async Task<UploadJob> ReceiveAsync(string participant, UploadFormat? format, Stream body, CancellationToken cancellationToken = default)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"{time.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        string folder = Path.Combine(Root, "incoming", participant);
        Directory.CreateDirectory(folder);
        string partial = Path.Combine(folder, id + ".partial");
        byte[] head = new byte[4];
        int headLength;
        await using (FileStream file = new(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true))
        {
            await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);   // the 202 promises the bytes are on the device, not in a cache
            file.Position = 0;
            headLength = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        // Without a format parameter the envelope's magic decides; Beiwe files start with a base64 key line.
        UploadJob job = new(participant, id, format ?? (headLength == 4 && "CHEV"u8.SequenceEqual(head) ? UploadFormat.Envelope : UploadFormat.Beiwe));
        File.Move(partial, RawPath(job));
        Enqueue(job);
        return job;
    }

    /// <summary>Queues the uploads a previous run left in <c>incoming/</c> (and drops half-received ones).</summary>
    public int Recover()
    {
        string incoming = Path.Combine(Root, "incoming");
        if (!Directory.Exists(incoming))
        {
            return 0;
        }

        int count = 0;
        foreach (string file in Directory.EnumerateFiles(incoming, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string participant = Path.GetFileName(Path.GetDirectoryName(file)!);
            UploadFormat? format = Path.GetExtension(file) switch { ".beiwe" => UploadFormat.Beiwe, ".envelope" => UploadFormat.Envelope, _ => null };
            if (format is null)
            {
                File.Delete(file);   // a .partial: the phone got no 202 and will upload again
                continue;
            }

            Enqueue(new UploadJob(participant, Path.GetFileNameWithoutExtension(file), format.Value));
            count++;
        }

        return count;
    }

    public void Completed() => Interlocked.Decrement(ref _pending);

    /// <summary>The upload's status, or <see langword="null"/> when no such upload exists.</summary>
    public async Task<UploadStatus?> StatusAsync(string participant, string uploadId, CancellationToken cancellationToken = default)
    {
        foreach (UploadFormat format in Enum.GetValues<UploadFormat>())
        {
            UploadJob job = new(participant, uploadId, format);
            if (File.Exists(RawPath(job)))
            {
                return new UploadStatus(uploadId, "pending", FormatName(format));
            }
        }

        string status = StatusPath(new UploadJob(participant, uploadId, UploadFormat.Beiwe));
        string problem = Path.Combine(Root, "problems", participant, uploadId + ".json");
        string? path = File.Exists(status) ? status : File.Exists(problem) ? problem : null;
        return path is null ? null : JsonSerializer.Deserialize<UploadStatus>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json);
    }

    public static async Task WriteStatusAsync(string path, UploadStatus status, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(status, Json), cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static string FormatName(UploadFormat format) => format == UploadFormat.Beiwe ? "beiwe" : "envelope";

    private static string Extension(UploadFormat format) => "." + FormatName(format);

    private void Enqueue(UploadJob job)
    {
        Interlocked.Increment(ref _pending);
        _queue.Writer.TryWrite(job);   // unbounded: never fails while the server runs
    }
}
