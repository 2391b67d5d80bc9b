using System.Diagnostics;

namespace Cohort.Cli.Tests;

public sealed class EncryptionCommandTests
{
    [Fact]
    public async Task Keygen_writes_a_private_pem_and_the_registration_key()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(null, "beiwe", "keygen", "--out", dir.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", await File.ReadAllTextAsync(dir.File("private.pem")));
        var spki = Convert.FromBase64String((await File.ReadAllTextAsync(dir.File("public.txt"))).Trim());
        Assert.InRange(spki.Length, 290, 300); // DER SubjectPublicKeyInfo of an RSA-2048 key: 294 bytes
    }

    [Fact]
    public async Task Beiwe_encrypt_then_decrypt_gives_the_lines_back_and_reports_a_damaged_line()
    {
        using var dir = new TempDir();
        await CliRunner.RunAsync(null, "beiwe", "keygen", "--out", dir.Path);
        await File.WriteAllTextAsync(dir.File("plain.csv"), "timestamp,value\n1700000000000,1.5\n1700000001000,2.5\n");

        var encrypt = await CliRunner.RunAsync(null, "beiwe", "encrypt", "--public-key", dir.File("public.txt"), dir.File("plain.csv"), "-o", dir.File("upload.csv"));
        Assert.Equal(0, encrypt.ExitCode);

        // An interrupted write on the phone: a line without its ':' separator, as line 3 of the file.
        var lines = (await File.ReadAllTextAsync(dir.File("upload.csv"))).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        lines.Insert(2, "AAAAAAAAAAAAAAAAAAAAAA");
        await File.WriteAllTextAsync(dir.File("damaged.csv"), string.Join('\n', lines));

        var decrypt = await CliRunner.RunAsync(null, "beiwe", "decrypt", "--private-key", dir.File("private.pem"), dir.File("damaged.csv"));

        Assert.Equal(0, decrypt.ExitCode);
        Assert.Equal("timestamp,value\n1700000000000,1.5\n1700000001000,2.5", decrypt.StdOut);
        Assert.StartsWith("line 3: MALFORMED_LINE ", decrypt.StdErr);
    }

    [Fact]
    public async Task Beiwe_decrypt_with_the_wrong_key_exits_2_with_the_reason()
    {
        using var dir = new TempDir();
        await CliRunner.RunAsync(null, "beiwe", "keygen", "--out", dir.Path);
        await CliRunner.RunAsync(null, "beiwe", "keygen", "--out", dir.File("other"));
        await File.WriteAllTextAsync(dir.File("plain.csv"), "a,b\n1,2\n");
        await CliRunner.RunAsync(null, "beiwe", "encrypt", "--public-key", dir.File("public.txt"), dir.File("plain.csv"), "-o", dir.File("upload.csv"));

        var result = await CliRunner.RunAsync(null, "beiwe", "decrypt", "--private-key", Path.Combine(dir.File("other"), "private.pem"), dir.File("upload.csv"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("WrongKey", result.StdErr);
    }

    [Fact]
    public async Task Beiwe_decrypt_of_an_empty_file_exits_2()
    {
        using var dir = new TempDir();
        await CliRunner.RunAsync(null, "beiwe", "keygen", "--out", dir.Path);
        await File.WriteAllBytesAsync(dir.File("empty.csv"), new byte[64]);

        var result = await CliRunner.RunAsync(null, "beiwe", "decrypt", "--private-key", dir.File("private.pem"), dir.File("empty.csv"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("EmptyFile", result.StdErr);
    }

    [Theory]
    [InlineData(false, "participant-42", "s--fnoZiLI90Ir_TTEzcKVo47GfP-ozIyFIL0ldvtN3T4tXrsSZ_gjaxUSeBm-4XtyKsYkiGxr9KlmE4R3jS2A==")]
    [InlineData(true, "+1 (555) 123-4567", "g-brstBGz-9KQsTqgQlAFOkgTnJNS1_yBn78NUc7nmzZ2kYiiFaUOXZpqQNIPrLKq08hpba1ZJoeMyccY6FCew==")]
    public async Task Hash_matches_pbkdf2_computed_by_python(bool phone, string value, string expected)
    {
        // Expected values: base64.urlsafe_b64encode(hashlib.pbkdf2_hmac('sha256', value, b'study-salt', 1000, 64)).
        string[] args = phone
            ? ["hash", "--salt", "study-salt", "--iterations", "1000", "--phone", value]
            : ["hash", "--salt", "study-salt", "--iterations", "1000", value];

        var result = await CliRunner.RunAsync(null, args);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.StdOut.Trim());
        Assert.Equal(88, result.StdOut.Trim().Length);
    }

    [Fact]
    public async Task Envelope_round_trips_and_a_flipped_bit_exits_2_without_output()
    {
        using var dir = new TempDir();
        await CliRunner.RunAsync(null, "beiwe", "keygen", "--out", dir.Path);
        await RunOpenSslAsync("pkey", "-in", dir.File("private.pem"), "-pubout", "-out", dir.File("public.pem"));
        var content = new byte[200_000];
        new Random(7).NextBytes(content);
        await File.WriteAllBytesAsync(dir.File("data.bin"), content);

        var encrypt = await CliRunner.RunAsync(null, "envelope", "encrypt", "--recipient", dir.File("public.pem"), dir.File("data.bin"), "-o", dir.File("data.env"));
        var decrypt = await CliRunner.RunAsync(null, "envelope", "decrypt", "--key", dir.File("private.pem"), dir.File("data.env"), "-o", dir.File("data.out"));

        Assert.Equal(0, encrypt.ExitCode);
        Assert.Equal(0, decrypt.ExitCode);
        Assert.Equal(content, await File.ReadAllBytesAsync(dir.File("data.out")));

        var envelope = await File.ReadAllBytesAsync(dir.File("data.env"));
        envelope[envelope.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(dir.File("tampered.env"), envelope);
        var tampered = await CliRunner.RunAsync(null, "envelope", "decrypt", "--key", dir.File("private.pem"), dir.File("tampered.env"), "-o", dir.File("tampered.out"));

        Assert.Equal(2, tampered.ExitCode);
        Assert.Contains("cannot decrypt", tampered.StdErr);
        Assert.False(File.Exists(dir.File("tampered.out")));

        await File.WriteAllBytesAsync(dir.File("truncated.env"), envelope[..(envelope.Length - 100)]);
        var truncated = await CliRunner.RunAsync(null, "envelope", "decrypt", "--key", dir.File("private.pem"), dir.File("truncated.env"), "-o", dir.File("truncated.out"));
        Assert.Equal(2, truncated.ExitCode);
    }

    [Fact]
    public async Task Cms_envelopes_interoperate_with_openssl_in_both_directions()
    {
        using var dir = new TempDir();
        await RunOpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.File("key.pem"), "-out", dir.File("cert.pem"), "-subj", "/CN=cohort-test", "-days", "1");
        await File.WriteAllTextAsync(dir.File("plain.txt"), "sensitive research data\n");

        var encrypt = await CliRunner.RunAsync(null, "envelope", "encrypt", "--cms", "--recipient", dir.File("cert.pem"), dir.File("plain.txt"), "-o", dir.File("ours.der"));
        Assert.Equal(0, encrypt.ExitCode);
        await RunOpenSslAsync("cms", "-decrypt", "-inform", "DER", "-in", dir.File("ours.der"), "-inkey", dir.File("key.pem"), "-out", dir.File("by-openssl.txt"));
        Assert.Equal("sensitive research data\n", await File.ReadAllTextAsync(dir.File("by-openssl.txt")));

        await RunOpenSslAsync("cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", dir.File("plain.txt"), "-out", dir.File("theirs.der"), dir.File("cert.pem"));
        var decrypt = await CliRunner.RunAsync(null, "envelope", "decrypt", "--cms", "--key", dir.File("key.pem"), dir.File("theirs.der"), "-o", dir.File("by-cohort.txt"));
        Assert.Equal(0, decrypt.ExitCode);
        Assert.Equal("sensitive research data\n", await File.ReadAllTextAsync(dir.File("by-cohort.txt")));
    }

    private static async Task RunOpenSslAsync(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)} failed: {stderr}");
    }
}
