using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cohort.Encryption;

namespace Cohort.Cli.Commands;

/// <summary><c>cohort beiwe ...</c>, <c>cohort hash</c> and <c>cohort envelope ...</c>: Cohort.Encryption.</summary>
internal static class EncryptionCommands
{
    public static IEnumerable<Command> Create()
    {
        var beiwe = new Command("beiwe", "The Beiwe upload format: key pairs, encryption and decryption.");
        beiwe.Subcommands.Add(CreateKeygen());
        beiwe.Subcommands.Add(CreateBeiweEncrypt());
        beiwe.Subcommands.Add(CreateBeiweDecrypt());
        yield return beiwe;
        yield return CreateHash();

        var envelope = new Command("envelope", "Cohort's own envelope format (AES-256-GCM chunks), or CMS EnvelopedData with --cms.");
        envelope.Subcommands.Add(CreateEnvelopeEncrypt());
        envelope.Subcommands.Add(CreateEnvelopeDecrypt());
        yield return envelope;
    }

    private static Command CreateKeygen()
    {
        var outDir = new Option<string>("--out") { Description = "The folder for private.pem and public.txt.", Required = true };
        var command = new Command("keygen", "Writes a study key pair: private.pem (PKCS#1) and public.txt (the standard-base64 DER SubjectPublicKeyInfo a phone receives at registration).") { outDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dir = parse.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            using var key = RsaKeys.Generate();
            var privatePath = Path.Combine(dir, "private.pem");
            await File.WriteAllTextAsync(privatePath, RsaKeys.ExportPem(key, RsaPemFormat.Pkcs1PrivateKey), cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "public.txt"), RsaKeys.ToBeiweRegistrationKey(key) + "\n", cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"wrote {privatePath} and {Path.Combine(dir, "public.txt")}");
            return 0;
        });
        return command;
    }

    private static Command CreateBeiweEncrypt()
    {
        var publicKey = new Option<string>("--public-key") { Description = "public.txt (standard base64 SPKI) or a PEM public key.", Required = true };
        var input = new Argument<string>("in") { Description = "The plaintext file (lines), or - for standard input." };
        var output = new Option<string?>("-o", "--out") { Description = "Where to write the upload; standard output when left out." };
        var command = new Command("encrypt", "Encrypts a text file in the Beiwe upload format, as a phone would.") { publicKey, input, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var key = ReadPublicKey(parse.GetValue(publicKey)!);
            string text;
            await using (var stream = CliInput.Open(parse.GetValue(input)!))
            using (var reader = new StreamReader(stream, Encoding.UTF8))
            {
                text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }

            var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);
            var upload = new BeiweEncryptor(key).Encrypt(lines);
            await using var target = CliOutput.Open(parse.GetValue(output));
            await target.WriteAsync(upload, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command CreateBeiweDecrypt()
    {
        var privateKey = new Option<string>("--private-key") { Description = "The study's private key PEM.", Required = true };
        var input = new Argument<string>("in") { Description = "The uploaded file, or - for standard input." };
        var output = new Option<string?>("-o", "--out") { Description = "Where to write the plaintext lines; standard output when left out." };
        var command = new Command("decrypt", "Decrypts a Beiwe upload. Bad lines go to stderr as 'line <n>: <CODE> <reason>' and the rest is kept; exit 2 when the whole file cannot be decrypted.")
        {
            privateKey, input, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var key = RsaKeys.ImportPem(await ReadKeyFileAsync(parse.GetValue(privateKey)!, cancellationToken).ConfigureAwait(false));
            var decryptor = new BeiweDecryptor(key);
            BeiweDecryptionReport report;
            try
            {
                await using var source = CliInput.Open(parse.GetValue(input)!);
                await using var target = CliOutput.Open(parse.GetValue(output));
                report = await decryptor.DecryptAsync(source, target, cancellationToken).ConfigureAwait(false);
            }
            catch (DecryptionException error)
            {
                await Console.Error.WriteLineAsync($"cohort: cannot decrypt the file ({error.Reason}): {error.Message}").ConfigureAwait(false);
                return 2;
            }

            foreach (var error in report.Errors)
            {
                await Console.Error.WriteLineAsync($"line {error.LineNumber}: {error.Code} {Describe(error.Code)}").ConfigureAwait(false);
            }

            foreach (var repair in report.Repairs)
            {
                await Console.Error.WriteLineAsync($"line {repair.LineNumber}: repaired {repair.Code}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command CreateHash()
    {
        var salt = new Option<string>("--salt") { Description = "The salt, taken as UTF-8 bytes.", Required = true };
        var iterations = new Option<int>("--iterations") { Description = "PBKDF2 iterations (Beiwe's phones use 901 to 1100).", Required = true };
        var phone = new Option<bool>("--phone") { Description = "Normalise a phone number to its last 10 digits first." };
        var value = new Argument<string>("value") { Description = "The identifier to hash." };
        var command = new Command("hash", "Prints the Beiwe-compatible 88-character PBKDF2-HMAC-SHA256 identifier hash.") { salt, iterations, phone, value };
        command.SetAction(parse =>
        {
            var count = parse.GetValue(iterations);
            if (count < 1)
            {
                throw new CliUsageException($"--iterations must be at least 1, not {count}");
            }

            var hasher = new BeiweIdentifierHasher(Encoding.UTF8.GetBytes(parse.GetValue(salt)!), count);
            var text = parse.GetValue(value)!;
            Console.WriteLine(parse.GetValue(phone) ? hasher.HashPhoneNumber(text) : hasher.Hash(text));
            return 0;
        });
        return command;
    }

    private static Command CreateEnvelopeEncrypt()
    {
        var recipient = new Option<string>("--recipient") { Description = "The recipient's public key PEM (with --cms: its X.509 certificate PEM).", Required = true };
        var cms = new Option<bool>("--cms") { Description = "Write CMS EnvelopedData (DER) that 'openssl cms -decrypt' opens." };
        var input = new Argument<string>("in") { Description = "The file to encrypt, or - for standard input." };
        var output = new Option<string>("-o", "--out") { Description = "Where to write the envelope.", Required = true };
        var command = new Command("encrypt", "Encrypts a file for a recipient in Cohort's envelope format (or CMS with --cms).") { recipient, cms, input, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var recipientPem = await ReadKeyFileAsync(parse.GetValue(recipient)!, cancellationToken).ConfigureAwait(false);
            await using var source = CliInput.Open(parse.GetValue(input)!);
            await using var target = CliOutput.Open(parse.GetValue(output));
            if (parse.GetValue(cms))
            {
                using var certificate = X509Certificate2.CreateFromPem(recipientPem);
                using var buffer = new MemoryStream();
                await source.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                await target.WriteAsync(CmsEnvelope.Encrypt(buffer.ToArray(), certificate), cancellationToken).ConfigureAwait(false);
                return 0;
            }

            using var key = RsaKeys.ImportPem(recipientPem);
            await EnvelopeEncryptor.ForRsa(key, RsaKeys.FingerprintKeyId(key)).EncryptAsync(source, target, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command CreateEnvelopeDecrypt()
    {
        var keyOption = new Option<string>("--key") { Description = "The recipient's private key PEM.", Required = true };
        var cms = new Option<bool>("--cms") { Description = "Read CMS EnvelopedData (DER), e.g. from 'openssl cms -encrypt -outform DER'." };
        var input = new Argument<string>("in") { Description = "The envelope, or - for standard input." };
        var output = new Option<string>("-o", "--out") { Description = "Where to write the plaintext.", Required = true };
        var command = new Command("decrypt", "Decrypts a Cohort envelope (or CMS with --cms); exit 2 with the reason on any tampering or truncation, and no output file is left behind.")
        {
            keyOption, cms, input, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var key = RsaKeys.ImportPem(await ReadKeyFileAsync(parse.GetValue(keyOption)!, cancellationToken).ConfigureAwait(false));
            var outPath = parse.GetValue(output)!;
            var partial = outPath == "-" ? outPath : outPath + ".partial";
            try
            {
                await using (var source = CliInput.Open(parse.GetValue(input)!))
                await using (var target = CliOutput.Open(partial))
                {
                    if (parse.GetValue(cms))
                    {
                        using var buffer = new MemoryStream();
                        await source.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                        await target.WriteAsync(CmsEnvelope.Decrypt(buffer.ToArray(), key), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var keys = new InMemoryKeyProvider().AddPrivateKey(RsaKeys.FingerprintKeyId(key), key);
                        await new EnvelopeDecryptor(keys).DecryptAsync(source, target, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (partial != outPath)
                {
                    File.Move(partial, outPath, overwrite: true);
                }

                return 0;
            }
            catch (DecryptionException error)
            {
                if (partial != outPath)
                {
                    File.Delete(partial);
                }

                await Console.Error.WriteLineAsync($"cohort: cannot decrypt ({error.Reason}): {error.Message}").ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    private static RSA ReadPublicKey(string path)
    {
        var text = File.Exists(path) ? File.ReadAllText(path).Trim() : throw new CliUsageException($"no such file: {path}");
        return text.StartsWith("-----BEGIN", StringComparison.Ordinal) ? RsaKeys.ImportPem(text) : RsaKeys.FromBeiweRegistrationKey(text);
    }

    private static Task<string> ReadKeyFileAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? File.ReadAllTextAsync(path, cancellationToken) : throw new CliUsageException($"no such file: {path}");

    private static string Describe(BeiweLineErrorCode code) => code switch
    {
        BeiweLineErrorCode.MALFORMED_LINE => "the line does not have exactly one ':' (an interrupted write)",
        BeiweLineErrorCode.BAD_BASE64 => "the IV or ciphertext is not valid url-safe base64",
        BeiweLineErrorCode.EMPTY_CIPHERTEXT => "there is no ciphertext after the ':'",
        BeiweLineErrorCode.IV_MISSING => "there is no IV before the ':'",
        BeiweLineErrorCode.IV_BAD_LENGTH => "the IV does not decode to 16 bytes",
        BeiweLineErrorCode.BAD_PADDING => "no padding can be removed (a wrong key or a damaged line)",
        _ => code.ToString(),
    };
}
