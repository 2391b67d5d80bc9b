using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Encryption.Tests;

public class BeiweProperties
{
    private static readonly BeiweEncryptor Android = new(TestKeys.Rsa2048, BeiweClientStyle.Android);
    private static readonly BeiweEncryptor Ios = new(TestKeys.Rsa2048, BeiweClientStyle.Ios);
    private static readonly BeiweDecryptor Decryptor = new(TestKeys.Rsa2048);
    private static readonly byte[] KeyLineOnly = Android.Encrypt([]);
    private static readonly byte[] TwoLineUpload = Android.Encrypt(["timestamp,x,y,z", "1700000000000,0.1,0.2,9.8"]);

    [Property(MaxTest = 25)]
    public bool Encrypt_then_decrypt_is_the_identity_for_any_lines(string[] lines, bool ios)
    {
        string[] clean = lines.Select(l => (l ?? string.Empty).Replace('\n', ' ')).Where(l => !l.Contains('\uFFFD', StringComparison.Ordinal) && !HasLoneSurrogate(l)).ToArray();
        byte[] upload = (ios ? Ios : Android).Encrypt(clean);

        BeiweDecryptionResult result = Decryptor.Decrypt(upload);

        return Encoding.UTF8.GetString(result.Plaintext.Span) == string.Join('\n', clean)
            && result.Report.LinesDecrypted == clean.Length && result.Report.Errors.Count == 0;
    }

    [Property(MaxTest = 200)]
    public bool Arbitrary_bytes_as_an_upload_give_only_documented_errors(byte[] upload)
    {
        try
        {
            Decryptor.Decrypt(upload);
            return true;
        }
        catch (DecryptionException)
        {
            return true;
        }
    }

    [Property(MaxTest = 25)]
    public bool Arbitrary_data_lines_after_a_valid_key_line_are_kept_or_reported_never_thrown(byte[][] lines)
    {
        byte[] header = KeyLineOnly;
        byte[][] dataLines = lines.Where(l => l is not null).Select(l => l.Where(b => b != (byte)'\n').ToArray()).ToArray();
        byte[] upload = [.. header, .. dataLines.SelectMany(l => l.Append((byte)'\n'))];

        BeiweDecryptionResult result = Decryptor.Decrypt(upload);

        return result.Report.LinesDecrypted + result.Report.Errors.Count == dataLines.Count(l => l.Length > 0);
    }

    [Property(MaxTest = 25)]
    public bool Streaming_gives_the_same_plaintext_and_report_as_in_memory(byte[][] lines, PositiveInt segment)
    {
        byte[] upload = [.. KeyLineOnly, .. lines.Where(l => l is not null).SelectMany(l => l.Append((byte)'\n'))];
        BeiweDecryptionResult expected = Decryptor.Decrypt(upload);
        System.IO.Pipelines.Pipe pipe = new(new System.IO.Pipelines.PipeOptions(minimumSegmentSize: 1 + (segment.Get % 64), pauseWriterThreshold: 0));
        for (int i = 0; i < upload.Length; i += 1 + (segment.Get % 64))
        {
            pipe.Writer.WriteAsync(upload.AsMemory(i, Math.Min(1 + (segment.Get % 64), upload.Length - i))).AsTask().GetAwaiter().GetResult();
        }

        pipe.Writer.Complete();
        using MemoryStream output = new();
        BeiweDecryptionReport report = Decryptor.DecryptFromPipeAsync(pipe.Reader, output).AsTask().GetAwaiter().GetResult();

        return output.ToArray().AsSpan().SequenceEqual(expected.Plaintext.Span)
            && report.Errors.SequenceEqual(expected.Report.Errors)
            && report.Repairs.SequenceEqual(expected.Report.Repairs);
    }

    [Property(MaxTest = 10)]
    public bool Any_single_character_change_in_a_data_line_keeps_or_reports_the_line((PositiveInt Position, char Replacement)[] changes)
    {
        int lastLineStart = Array.LastIndexOf(TwoLineUpload, (byte)'\n', TwoLineUpload.Length - 2) + 1;
        byte[] dataLine = TwoLineUpload[lastLineStart..^1];
        List<byte> upload = [.. TwoLineUpload];
        foreach ((PositiveInt position, char replacement) in changes)
        {
            byte[] changed = (byte[])dataLine.Clone();
            changed[position.Get % changed.Length] = (byte)(replacement % 128 == 10 ? 11 : replacement % 128);
            upload.AddRange(changed);
            upload.Add((byte)'\n');
        }

        BeiweDecryptionResult result = Decryptor.Decrypt(upload.ToArray());

        return result.Report.LinesDecrypted + result.Report.Errors.Count == 2 + changes.Length;
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }
}
