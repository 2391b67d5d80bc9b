using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cohort.Encryption.Tests;

/// <summary>Interop with the real <c>openssl cms</c> command (installed by scripts/install-test-deps.sh).</summary>
public sealed class CmsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cohort-cms").FullName;
    private readonly X509Certificate2 _certificate;

    public CmsTests()
    {
        CertificateRequest request = new("CN=cohort-cms-test", TestKeys.Rsa2048, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path(("cert.pem")), _certificate.ExportCertificatePem());
        File.WriteAllText(Path("key.pem"), TestKeys.Rsa2048.ExportPkcs8PrivateKeyPem());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Openssl_decrypts_what_cohort_encrypts(bool oaep)
    {
        byte[] content = RandomNumberGenerator.GetBytes(5000);
        File.WriteAllBytes(Path("msg.der"), CmsEnvelope.Encrypt(content, _certificate, oaep));

        Openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", Path("msg.der"), "-recip", Path("cert.pem"), "-inkey", Path("key.pem"), "-out", Path("out.bin"));

        Assert.Equal(content, File.ReadAllBytes(Path("out.bin")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cohort_decrypts_what_openssl_encrypts(bool oaep)
    {
        byte[] content = RandomNumberGenerator.GetBytes(5000);
        File.WriteAllBytes(Path("in.bin"), content);
        List<string> args = ["cms", "-encrypt", "-binary", "-aes-256-cbc", "-outform", "DER", "-in", Path("in.bin"), "-out", Path("msg.der"), "-recip", Path("cert.pem")];
        if (oaep)
        {
            args.AddRange(["-keyopt", "rsa_padding_mode:oaep"]);
        }

        Openssl([.. args]);

        Assert.Equal(content, CmsEnvelope.Decrypt(File.ReadAllBytes(Path("msg.der")), TestKeys.Rsa2048));
    }

    [Fact]
    public void Wrong_key_and_garbage_give_typed_errors()
    {
        byte[] message = CmsEnvelope.Encrypt("x"u8, _certificate);
        using RSA other = RSA.Create(2048);

        Assert.Equal(DecryptionFailure.KeyUnwrapFailed, Assert.Throws<DecryptionException>(() => CmsEnvelope.Decrypt(message, other)).Reason);
        Assert.Equal(DecryptionFailure.InvalidCmsMessage, Assert.Throws<DecryptionException>(() => CmsEnvelope.Decrypt("garbage"u8, other)).Reason);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Path(string name) => System.IO.Path.Combine(_dir, name);

    private static void Openssl(params string[] args)
    {
        ProcessStartInfo start = new("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)} failed: {stderr}");
    }
}
