using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Cohort.Encryption.Beiwe;

namespace Cohort.Encryption;

/// <summary>
/// Decrypts uploads written by Beiwe's phone apps, byte for byte as beiwe-backend does, but reporting every dropped
/// and repaired line. Immutable and thread-safe: create one per study key and share it.
/// </summary>
/// <remarks>
/// A bad data line is never fatal: it is reported with its 1-based line number and a <see cref="BeiweLineErrorCode"/>,
/// and every good line is kept. Whole-file problems throw <see cref="DecryptionException"/> with
/// <see cref="DecryptionFailure.InvalidKeyLineCharacters"/>, <see cref="DecryptionFailure.WrongKey"/> or
/// <see cref="DecryptionFailure.EmptyFile"/>.
/// </remarks>
public sealed class BeiweDecryptor
{
    private const int FlushThreshold = 64 * 1024;

    /// <summary>A streamed line longer than this (Beiwe's are under 1 KiB) is reported as MALFORMED_LINE and skipped unread.</summary>
    internal const int MaxStreamedLineLength = 1024 * 1024;
    private readonly RawRsaKey _key;

    /// <summary>Creates a decryptor for the study's RSA private key (the key is copied; the caller keeps ownership).</summary>
    public BeiweDecryptor(RSA privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        _key = RawRsaKey.FromPrivateKey(privateKey);
    }

    /// <summary>Decrypts a whole upload held in memory.</summary>
    public BeiweDecryptionResult Decrypt(ReadOnlySpan<byte> upload)
    {
        ArrayBufferWriter<byte> output = new(Math.Max(256, upload.Length * 3 / 4));
        using BeiweFileDecoder decoder = new(_key);
        while (true)
        {
            int newline = upload.IndexOf((byte)'\n');
            if (newline < 0)
            {
                decoder.ProcessLine(upload, output);
                break;
            }

            decoder.ProcessLine(upload[..newline], output);
            upload = upload[(newline + 1)..];
        }

        BeiweDecryptionReport report = decoder.Complete();
        return new BeiweDecryptionResult(output.WrittenMemory, report);
    }

    /// <summary>Decrypts an upload line by line from a stream, writing the plaintext to <paramref name="plaintext"/>.</summary>
    /// <remarks>Plaintext is written as lines are decrypted; if a whole-file error is thrown, discard what was written.</remarks>
    public async ValueTask<BeiweDecryptionReport> DecryptAsync(Stream upload, Stream plaintext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        PipeReader reader = PipeReader.Create(upload, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            return await DecryptFromPipeAsync(reader, plaintext, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Decrypts an upload line by line from a pipe, writing the plaintext to <paramref name="plaintext"/>.</summary>
    /// <remarks>The reader is not completed; the caller owns it.</remarks>
    public async ValueTask<BeiweDecryptionReport> DecryptFromPipeAsync(PipeReader upload, Stream plaintext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(plaintext);
        ArrayBufferWriter<byte> output = new(FlushThreshold * 2);
        using BeiweFileDecoder decoder = new(_key);
        bool skipping = false;
        while (true)
        {
            ReadResult result = await upload.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            skipping = ProcessLines(decoder, ref buffer, output, result.IsCompleted, skipping);
            upload.AdvanceTo(buffer.Start, buffer.End);
            if (output.WrittenCount >= FlushThreshold || result.IsCompleted)
            {
                await plaintext.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
                output.ResetWrittenCount();
            }

            if (result.IsCompleted)
            {
                break;
            }
        }

        return decoder.Complete();
    }

    /// <summary>Processes the complete lines in <paramref name="buffer"/>; returns whether an oversized line is being skipped.</summary>
    private static bool ProcessLines(BeiweFileDecoder decoder, ref ReadOnlySequence<byte> buffer, ArrayBufferWriter<byte> output, bool final, bool skipping)
    {
        while (true)
        {
            SequencePosition? newline = buffer.PositionOf((byte)'\n');
            if (newline is null)
            {
                break;
            }

            if (!skipping)
            {
                ProcessLine(decoder, buffer.Slice(0, newline.Value), output);
            }

            skipping = false;
            buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        }

        if (!skipping && !final && buffer.Length > MaxStreamedLineLength)
        {
            decoder.ReportOversizedLine();
            skipping = true;
        }

        if (skipping)
        {
            buffer = buffer.Slice(buffer.End);
        }
        else if (final && !buffer.IsEmpty)
        {
            ProcessLine(decoder, buffer, output);
            buffer = buffer.Slice(buffer.End);
        }

        return skipping;
    }

    private static void ProcessLine(BeiweFileDecoder decoder, ReadOnlySequence<byte> line, ArrayBufferWriter<byte> output)
    {
        if (line.IsSingleSegment)
        {
            decoder.ProcessLine(line.FirstSpan, output);
            return;
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(checked((int)line.Length));
        try
        {
            line.CopyTo(rented);
            decoder.ProcessLine(rented.AsSpan(0, (int)line.Length), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
