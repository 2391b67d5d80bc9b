using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Cohort.Encryption.Tests;

public class BeiweDecryptorTests
{
    private static readonly BeiweDecryptor Decryptor = new(TestKeys.BeiweStudyKey());

    [Theory]
    [InlineData("android")]
    [InlineData("ios")]
    public void Decrypts_phone_upload_written_by_an_independent_implementation(string style)
    {
        BeiweDecryptionResult result = Decryptor.Decrypt(TestKeys.Vector($"beiwe_{style}.txt"));

        Assert.Equal(TestKeys.VectorText($"beiwe_{style}.expected.csv"), Encoding.UTF8.GetString(result.Plaintext.Span));
        Assert.Equal(121, result.Report.LinesDecrypted);
        Assert.Empty(result.Report.Errors);
        Assert.Empty(result.Report.Repairs);
    }

    [Fact]
    public void Ios_key_line_has_no_padding_and_android_key_line_has_it()
    {
        string ios = TestKeys.VectorText("beiwe_ios.txt").Split('\n')[0];
        string android = TestKeys.VectorText("beiwe_android.txt").Split('\n')[0];

        Assert.Equal(342, ios.Length);
        Assert.Equal(344, android.Length);
        Assert.EndsWith("==", android, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_corrupt_line_with_its_number_and_code_and_keeps_the_good_lines()
    {
        using JsonDocument expected = JsonDocument.Parse(TestKeys.VectorText("beiwe_corrupt.expected.json"));
        BeiweDecryptionResult result = Decryptor.Decrypt(TestKeys.Vector("beiwe_corrupt.txt"));

        Assert.Equal(expected.RootElement.GetProperty("plaintext").GetString(), Encoding.UTF8.GetString(result.Plaintext.Span));
        Assert.Equal(Pairs(expected.RootElement.GetProperty("errors")), result.Report.Errors.Select(e => (e.LineNumber, e.Code.ToString())).ToArray());
        Assert.Equal(Pairs(expected.RootElement.GetProperty("repairs")), result.Report.Repairs.Select(e => (e.LineNumber, e.Code.ToString())).ToArray());
        Assert.Equal(5, result.Report.LinesDecrypted);
    }

    [Fact]
    public void Corrupt_file_covers_every_line_error_code()
    {
        BeiweDecryptionResult result = Decryptor.Decrypt(TestKeys.Vector("beiwe_corrupt.txt"));

        Assert.Equal(Enum.GetValues<BeiweLineErrorCode>().Order(), result.Report.Errors.Select(e => e.Code).Distinct().Order());
        Assert.Equal(Enum.GetValues<BeiweRepairCode>().Order(), result.Report.Repairs.Select(e => e.Code).Distinct().Order());
    }

    [Fact]
    public void Error_codes_print_as_their_wire_names()
    {
        Assert.Equal(
            ["MALFORMED_LINE", "BAD_BASE64", "EMPTY_CIPHERTEXT", "IV_MISSING", "IV_BAD_LENGTH", "BAD_PADDING"],
            Enum.GetValues<BeiweLineErrorCode>().Select(c => c.ToString()));
    }

    [Fact]
    public void Wrong_rsa_key_is_a_typed_whole_file_error()
    {
        DecryptionException ex = Assert.Throws<DecryptionException>(() => Decryptor.Decrypt(TestKeys.Vector("beiwe_wrong_key.txt")));
        Assert.Equal(DecryptionFailure.WrongKey, ex.Reason);
    }

    [Fact]
    public void Key_line_with_a_character_outside_the_alphabet_is_a_typed_whole_file_error()
    {
        DecryptionException ex = Assert.Throws<DecryptionException>(() => Decryptor.Decrypt(TestKeys.Vector("beiwe_bad_key_chars.txt")));
        Assert.Equal(DecryptionFailure.InvalidKeyLineCharacters, ex.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n\n")]
    [InlineData("\0\0\0\0")]
    [InlineData("\0\0\n\0\0\n")]
    public void Empty_or_all_nul_file_is_a_typed_whole_file_error(string content)
    {
        DecryptionException ex = Assert.Throws<DecryptionException>(() => Decryptor.Decrypt(Encoding.ASCII.GetBytes(content)));
        Assert.Equal(DecryptionFailure.EmptyFile, ex.Reason);
    }

    [Fact]
    public void All_nul_vector_file_is_reported_as_empty()
    {
        DecryptionException ex = Assert.Throws<DecryptionException>(() => Decryptor.Decrypt(TestKeys.Vector("beiwe_all_nul.txt")));
        Assert.Equal(DecryptionFailure.EmptyFile, ex.Reason);
    }

    [Fact]
    public void Nul_key_line_followed_by_data_is_an_invalid_key_line()
    {
        DecryptionException ex = Assert.Throws<DecryptionException>(() => Decryptor.Decrypt("\0\0\nAAAA:BBBB\n"u8));
        Assert.Equal(DecryptionFailure.InvalidKeyLineCharacters, ex.Reason);
    }

    [Fact]
    public async Task Streaming_from_a_stream_gives_the_same_plaintext_and_report()
    {
        byte[] upload = TestKeys.Vector("beiwe_corrupt.txt");
        BeiweDecryptionResult expected = Decryptor.Decrypt(upload);
        using MemoryStream output = new();

        BeiweDecryptionReport report = await Decryptor.DecryptAsync(new MemoryStream(upload), output);

        Assert.Equal(expected.Plaintext.ToArray(), output.ToArray());
        Assert.Equal(expected.Report.Errors, report.Errors);
        Assert.Equal(expected.Report.Repairs, report.Repairs);
        Assert.Equal(expected.Report.PlaintextBytes, report.PlaintextBytes);
    }

    [Fact]
    public async Task Streaming_handles_lines_split_across_pipe_segments()
    {
        byte[] upload = TestKeys.Vector("beiwe_android.txt");
        Pipe pipe = new(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0));
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < upload.Length; i += 7)
            {
                await pipe.Writer.WriteAsync(upload.AsMemory(i, Math.Min(7, upload.Length - i)));
            }

            await pipe.Writer.CompleteAsync();
        });
        using MemoryStream output = new();

        BeiweDecryptionReport report = await Decryptor.DecryptFromPipeAsync(pipe.Reader, output);
        await writer;

        Assert.Equal(TestKeys.VectorText("beiwe_android.expected.csv"), Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(121, report.LinesDecrypted);
    }

    [Fact]
    public void Encryptor_output_is_read_back_by_the_decryptor()
    {
        BeiweEncryptor encryptor = new(TestKeys.BeiweStudyKey(), BeiweClientStyle.Ios);
        byte[] upload = encryptor.Encrypt(["a,b,c", "", "ünïcode,row"]);

        BeiweDecryptionResult result = Decryptor.Decrypt(upload);

        Assert.Equal("a,b,c\n\nünïcode,row", Encoding.UTF8.GetString(result.Plaintext.Span));
        Assert.DoesNotContain((byte)'=', upload);
    }

    private static (long, string)[] Pairs(JsonElement array) =>
        array.EnumerateArray().Select(p => (p[0].GetInt64(), p[1].GetString()!)).ToArray();
}

public class BeiweStreamingLimitsTests
{
    [Fact]
    public async Task Streamed_line_over_one_mebibyte_is_skipped_as_malformed_and_the_next_lines_are_kept()
    {
        using System.Security.Cryptography.RSA key = TestKeys.BeiweStudyKey();
        // The middle line is valid (it decrypts in memory) but longer than a streamed line may be.
        byte[] upload = new BeiweEncryptor(key).Encrypt(["before", new string('x', 1024 * 1024), "after"]);
        Assert.Equal(3, new BeiweDecryptor(key).Decrypt(upload).Report.LinesDecrypted);
        using MemoryStream output = new();

        BeiweDecryptionReport report = await new BeiweDecryptor(key).DecryptAsync(new MemoryStream(upload), output);

        Assert.Equal("before\nafter", System.Text.Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal([new BeiweLineError(3, BeiweLineErrorCode.MALFORMED_LINE)], report.Errors);
    }
}
