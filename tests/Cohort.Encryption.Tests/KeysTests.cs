using System.Security.Cryptography;

namespace Cohort.Encryption.Tests;

public class KeysTests
{
    [Fact]
    public void Generated_key_is_2048_bits_with_exponent_65537()
    {
        using RSA rsa = RsaKeys.Generate();
        RSAParameters p = rsa.ExportParameters(false);

        Assert.Equal(2048, rsa.KeySize);
        Assert.Equal(new byte[] { 1, 0, 1 }, p.Exponent);
    }

    [Fact]
    public void Registration_key_matches_the_pem_body_python_wrote()
    {
        using RSA key = TestKeys.BeiweStudyKey();
        Assert.Equal(TestKeys.VectorText("beiwe_public_registration.txt"), RsaKeys.ToBeiweRegistrationKey(key));
    }

    [Fact]
    public void Registration_key_round_trips_to_an_encryptor_whose_uploads_the_study_key_opens()
    {
        using RSA key = TestKeys.BeiweStudyKey();
        using RSA phoneSide = RsaKeys.FromBeiweRegistrationKey(RsaKeys.ToBeiweRegistrationKey(key));
        byte[] upload = new BeiweEncryptor(phoneSide).Encrypt(["hello"]);

        Assert.Equal("hello"u8.ToArray(), new BeiweDecryptor(key).Decrypt(upload).Plaintext.ToArray());
    }

    [Theory]
    [InlineData(RsaPemFormat.SubjectPublicKeyInfo, "PUBLIC KEY")]
    [InlineData(RsaPemFormat.Pkcs1PrivateKey, "RSA PRIVATE KEY")]
    [InlineData(RsaPemFormat.Pkcs8PrivateKey, "PRIVATE KEY")]
    [InlineData(RsaPemFormat.EncryptedPkcs8PrivateKey, "ENCRYPTED PRIVATE KEY")]
    public void Pem_round_trips_in_every_format(RsaPemFormat format, string label)
    {
        string pem = RsaKeys.ExportPem(TestKeys.Rsa2048, format, "pass phrase");
        using RSA back = RsaKeys.ImportPem(pem, "pass phrase");

        Assert.StartsWith($"-----BEGIN {label}-----", pem, StringComparison.Ordinal);
        Assert.Equal(TestKeys.Rsa2048.ExportSubjectPublicKeyInfo(), back.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Encrypted_pem_needs_its_password()
    {
        string pem = RsaKeys.ExportPem(TestKeys.Rsa2048, RsaPemFormat.EncryptedPkcs8PrivateKey, "right");
        Assert.ThrowsAny<CryptographicException>(() => RsaKeys.ImportPem(pem, "wrong"));
        Assert.Throws<ArgumentException>(() => RsaKeys.ExportPem(TestKeys.Rsa2048, RsaPemFormat.EncryptedPkcs8PrivateKey));
    }

    [Fact]
    public void Secret_key_never_shows_its_material()
    {
        SecretKey key = new("study", 3, Enumerable.Repeat((byte)0xAB, 32).ToArray());
        Assert.DoesNotContain("AB", key.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("q6ur", key.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pem_file_provider_reads_private_keys_and_newest_secret_version()
    {
        string dir = Directory.CreateTempSubdirectory("cohort-keys").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "study-a.pem"), TestKeys.VectorText("beiwe_private_pkcs1.pem"));
        await File.WriteAllTextAsync(Path.Combine(dir, "study-ec.pem"), TestKeys.VectorText("envelope_p256_private.pem"));
        await File.WriteAllTextAsync(Path.Combine(dir, "kek.v1.key"), Convert.ToBase64String(new byte[32]));
        await File.WriteAllTextAsync(Path.Combine(dir, "kek.v2.key"), Convert.ToBase64String(Enumerable.Repeat((byte)2, 32).ToArray()));
        using PemFileKeyProvider provider = new(dir);

        Assert.IsAssignableFrom<RSA>(await provider.GetPrivateKeyAsync("study-a"));
        Assert.IsAssignableFrom<ECDiffieHellman>(await provider.GetPrivateKeyAsync("study-ec"));
        Assert.Null(await provider.GetPrivateKeyAsync("missing"));
        Assert.Equal(2, (await provider.GetSecretKeyAsync("kek"))!.Version);
        Assert.Equal(0, (await provider.GetSecretKeyAsync("kek", 1))!.Material[0]);
        await Assert.ThrowsAsync<ArgumentException>(async () => await provider.GetPrivateKeyAsync("../etc/passwd"));
    }

    [Fact]
    public async Task Environment_provider_reads_pem_and_versioned_secrets()
    {
        EnvironmentKeyProvider provider = new("COHORT_TEST_KEY_");
        Environment.SetEnvironmentVariable(provider.VariableName("study.b"), TestKeys.VectorText("beiwe_private_pkcs1.pem"));
        Environment.SetEnvironmentVariable(provider.VariableName("pepper", 4), Convert.ToBase64String(new byte[32]));
        Environment.SetEnvironmentVariable(provider.VariableName("pepper", 7), Convert.ToBase64String(new byte[48]));

        Assert.Equal("COHORT_TEST_KEY_STUDY_B", provider.VariableName("study.b"));
        Assert.IsAssignableFrom<RSA>(await provider.GetPrivateKeyAsync("study.b"));
        SecretKey newest = (await provider.GetSecretKeyAsync("pepper"))!;
        Assert.Equal(7, newest.Version);
        Assert.Equal(48, newest.Material.Length);
        Assert.Null(await provider.GetSecretKeyAsync("absent"));
    }

    [Fact]
    public async Task Environment_provider_error_for_bad_secret_does_not_quote_it()
    {
        EnvironmentKeyProvider provider = new("COHORT_TEST_BAD_");
        Environment.SetEnvironmentVariable(provider.VariableName("k", 1), "not base64 sekrit!!");

        CohortCryptographyException ex = await Assert.ThrowsAsync<CohortCryptographyException>(async () => await provider.GetSecretKeyAsync("k", 1));
        Assert.DoesNotContain("sekrit", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
    }
}
