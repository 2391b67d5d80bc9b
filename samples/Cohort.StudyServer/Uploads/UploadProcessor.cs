using System.Globalization;
using System.IO.Pipelines;
using Cohort.Encryption;
using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Uploads;

/// <summary>
/// Decrypts queued uploads in the background and re-encrypts them at rest under the study's master key. The plaintext
/// only ever flows through a pipe in memory from the decryptor to the at-rest protector; it never touches the disk.
/// A file that cannot be decrypted goes to <c>problems/</c> with its reason; an empty file is dropped (Beiwe's rule).
/// </summary>
internal sealed partial class UploadProcessor(
    UploadStore store,
    BeiweDecryptorFactory beiwe,
    EnvelopeDecryptor envelopes,
    AtRestProtector atRest,
    StudyMetrics metrics,
    IOptions<StudyServerOptions> options,
    TimeProvider time,
    ILogger<UploadProcessor> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the server listens: what a previous run left behind is queued first, and exactly once.
        int recovered = store.Recover();
        if (recovered > 0)
        {
            LogRecovered(recovered);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.UploadWorkers)).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (UploadJob job in store.Queue.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await ProcessAsync(job, stoppingToken).ConfigureAwait(false);
                }
                finally
                {
                    store.Completed();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: unprocessed uploads stay in incoming/ and are queued again at the next start.
        }
    }

    private async Task ProcessAsync(UploadJob job, CancellationToken cancellationToken)
    {
        string raw = store.RawPath(job);
        if (!File.Exists(raw))
        {
            return;
        }

        string data = store.DataPath(job);
        string partial = data + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        try
        {
            UploadStatus status = await DecryptAndProtectAsync(job, raw, partial, cancellationToken).ConfigureAwait(false);
            File.Move(partial, data, overwrite: true);
            await UploadStore.WriteStatusAsync(store.StatusPath(job), status, cancellationToken).ConfigureAwait(false);
            File.Delete(raw);
            metrics.UploadsStored.Add(1);
            LogStored(job.UploadId, status.Lines ?? 0, status.LineErrors?.Count ?? 0);
        }
        catch (DecryptionException e) when (e.Reason == DecryptionFailure.EmptyFile)
        {
            File.Delete(partial);
            await UploadStore.WriteStatusAsync(store.StatusPath(job), Finished(job, "empty") with { Reason = e.Message }, cancellationToken).ConfigureAwait(false);
            File.Delete(raw);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The dead letter: the raw file and why, for a person to look at; the other uploads go on.
            File.Delete(partial);
            string problem = store.ProblemPath(job);
            string reason = e is DecryptionException d ? string.Create(CultureInfo.InvariantCulture, $"{d.Reason}: {d.Message}") : e.Message;
            await UploadStore.WriteStatusAsync(Path.ChangeExtension(problem, ".json"), Finished(job, "failed") with { Reason = reason }, cancellationToken).ConfigureAwait(false);
            File.Move(raw, problem, overwrite: true);
            metrics.UploadsFailed.Add(1);
            LogFailed(job.UploadId, reason);
        }
    }

    private async Task<UploadStatus> DecryptAndProtectAsync(UploadJob job, string raw, string destination, CancellationToken cancellationToken)
    {
        Pipe pipe = new();
        Task<UploadStatus> decrypting = DecryptAsync(job, raw, pipe.Writer, cancellationToken);
        AtRestKeyReference key;
        try
        {
            await using FileStream output = new(destination, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            key = await atRest.ProtectAsync(options.Value.MasterKeyId, pipe.Reader.AsStream(), output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!decrypting.IsCompletedSuccessfully)
        {
            // A decryption failure ends the pipe with its exception: report that one, the cause.
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await decrypting.ConfigureAwait(false);
            throw;
        }

        return await decrypting.ConfigureAwait(false) with { AtRestKey = string.Create(CultureInfo.InvariantCulture, $"{key.KeyId} v{key.Version}") };
    }

    private async Task<UploadStatus> DecryptAsync(UploadJob job, string raw, PipeWriter plaintext, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await using FileStream input = new(raw, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            Stream sink = plaintext.AsStream(leaveOpen: true);
            UploadStatus status;
            if (job.Format == UploadFormat.Beiwe)
            {
                BeiweDecryptor decryptor = await beiwe.CreateAsync(options.Value.StudyId, cancellationToken).ConfigureAwait(false);
                BeiweDecryptionReport report = await decryptor.DecryptAsync(input, sink, cancellationToken).ConfigureAwait(false);
                status = Finished(job, "stored") with
                {
                    Lines = report.LinesDecrypted,
                    PlaintextBytes = report.PlaintextBytes,
                    LineErrors = [.. report.Errors.Select(static e => string.Create(CultureInfo.InvariantCulture, $"line {e.LineNumber}: {e.Code}"))],
                    Repairs = [.. report.Repairs.Select(static r => string.Create(CultureInfo.InvariantCulture, $"line {r.LineNumber}: {r.Code}"))],
                };
            }
            else
            {
                EnvelopeDecryptionReport report = await envelopes.DecryptAsync(input, sink, cancellationToken).ConfigureAwait(false);
                status = Finished(job, "stored") with { PlaintextBytes = report.PlaintextBytes };
            }

            await plaintext.CompleteAsync().ConfigureAwait(false);
            return status;
        }
        catch (Exception e)
        {
            await plaintext.CompleteAsync(e).ConfigureAwait(false);
            throw;
        }
    }

    private UploadStatus Finished(UploadJob job, string status) =>
        new(job.UploadId, status, UploadStore.FormatName(job.Format), time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Count} uploads left by the previous run")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {UploadId} stored encrypted at rest: {Lines} lines, {Errors} line errors")]
    private partial void LogStored(string uploadId, long lines, int errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {UploadId} moved to problems: {Reason}")]
    private partial void LogFailed(string uploadId, string reason);
}
