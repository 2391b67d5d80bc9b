using System.Security.Cryptography;

namespace Cohort.Encryption.Tests;

public class EnvelopeTests
{
    internal static readonly InMemoryKeyProvider Keys = new InMemoryKeyProvider()
        .AddPrivateKey("study-rsa", TestKeys.Rsa2048)
        .AddPrivateKey("study-ec", TestKeys.P256);

    private static readonly EnvelopeDecryptor Decryptor = new(Keys);

    [Theory]
    [InlineData("envelope_rsa.chev", "study-rsa", "envelope_rsa_private.pem")]
    [InlineData("envelope_p256.chev", "study-ec", "envelope_p256_private.pem")]
    public async Task Opens_envelopes_written_by_an_independent_python_implementation(string file, string keyId, string keyFile)
    {
        InMemoryKeyProvider keys = new();
        string pem = TestKeys.VectorText(keyFile);
        keys.AddPrivateKey(keyId, keyFile.Contains("rsa", StringComparison.Ordinal) ? RsaKeys.ImportPem(pem) : ImportEc(pem));

        using MemoryStream output = new();
        EnvelopeDecryptionReport report = await new EnvelopeDecryptor(keys).DecryptAsync(new MemoryStream(TestKeys.Vector(file)), output);

        Assert.Equal(TestKeys.Vector("envelope_plaintext.bin"), output.ToArray());
        Assert.Equal(3, report.Chunks);
        Assert.Equal(keyId, report.KeyId);
    }

    [Theory]
    [InlineData(false, EnvelopeCompression.None)]
    [InlineData(true, EnvelopeCompression.GZip)]
    [InlineData(false, EnvelopeCompression.Brotli)]
    public async Task Round_trips_with_each_key_type_and_compression(bool ec, EnvelopeCompression compression)
    {
        byte[] plaintext = new byte[200_000];
        new Random(7).NextBytes(plaintext.AsSpan(0, 100_000));
        EnvelopeOptions options = new() { ChunkSize = 4096, Compression = compression };
        EnvelopeEncryptor encryptor = ec ? EnvelopeEncryptor.ForP256(TestKeys.P256, "study-ec", options) : EnvelopeEncryptor.ForRsa(TestKeys.Rsa2048, "study-rsa", options);

        byte[] envelope = await encryptor.EncryptToArrayAsync(plaintext);

        Assert.Equal(plaintext, await Decryptor.DecryptToArrayAsync(envelope));
        if (compression != EnvelopeCompression.None)
        {
            Assert.True(envelope.Length < 150_000);
        }
    }

    [Fact]
    public async Task Header_starts_with_magic_version_and_chunk_exponent()
    {
        byte[] envelope = await EnvelopeEncryptor.ForRsa(TestKeys.Rsa2048, "study-rsa").EncryptToArrayAsync(new byte[10]);

        Assert.Equal("CHEV"u8.ToArray(), envelope[..4]);
        Assert.Equal(1, envelope[4]);
        Assert.Equal(1, envelope[5]);
        Assert.Equal(16, envelope[6]);
        Assert.Equal(1, envelope[16]);
        Assert.Equal(9, envelope[17]);
        Assert.Equal(18 + 9 + 4 + 2 + 256 + 10 + 16, envelope.Length);
    }

    [Fact]
    public async Task Unknown_key_id_is_reported_as_unknown_key()
    {
        byte[] envelope = await EnvelopeEncryptor.ForRsa(TestKeys.Rsa2048, "nobody").EncryptToArrayAsync(new byte[10]);
        DecryptionException ex = await Assert.ThrowsAsync<DecryptionException>(() => Decryptor.DecryptToArrayAsync(envelope));
        Assert.Equal(DecryptionFailure.UnknownKey, ex.Reason);
    }

    [Fact]
    public async Task Swapped_chunks_are_rejected()
    {
        byte[] envelope = await EnvelopeEncryptor.ForP256(TestKeys.P256, "study-ec", new EnvelopeOptions { ChunkSize = 1024 }).EncryptToArrayAsync(new byte[3000]);
        int body = envelope.Length - (2 * 1040) - (3000 - 2048 + 16);
        byte[] swapped = [.. envelope[..body], .. envelope[(body + 1040)..(body + 2080)], .. envelope[body..(body + 1040)], .. envelope[(body + 2080)..]];

        DecryptionException ex = await Assert.ThrowsAsync<DecryptionException>(() => Decryptor.DecryptToArrayAsync(swapped));
        Assert.Equal(DecryptionFailure.ChunkAuthenticationFailed, ex.Reason);
    }

    [Fact]
    public async Task Dropping_the_final_chunk_is_reported_as_truncation()
    {
        byte[] envelope = await EnvelopeEncryptor.ForP256(TestKeys.P256, "study-ec", new EnvelopeOptions { ChunkSize = 1024 }).EncryptToArrayAsync(new byte[3000]);
        byte[] cut = envelope[..^(3000 - 2048 + 16)];

        DecryptionException ex = await Assert.ThrowsAsync<DecryptionException>(() => Decryptor.DecryptToArrayAsync(cut));
        Assert.Equal(DecryptionFailure.Truncated, ex.Reason);
    }

    [Fact]
    public async Task Recovery_loses_only_the_damaged_chunk()
    {
        byte[] plaintext = new byte[5 * 1024];
        new Random(3).NextBytes(plaintext);
        byte[] envelope = await EnvelopeEncryptor.ForP256(TestKeys.P256, "study-ec", new EnvelopeOptions { ChunkSize = 1024 }).EncryptToArrayAsync(plaintext);
        int body = envelope.Length - (5 * 1040);
        envelope[body + (2 * 1040) + 100] ^= 0x01;
        using MemoryStream output = new();

        EnvelopeDecryptionReport report = await Decryptor.RecoverAsync(new MemoryStream(envelope), output);

        Assert.Equal([2L], report.LostChunks);
        Assert.False(report.Truncated);
        Assert.Equal([.. plaintext[..2048], .. plaintext[3072..]], output.ToArray());
        await Assert.ThrowsAsync<DecryptionException>(() => Decryptor.DecryptToArrayAsync(envelope));
    }

    [Fact]
    public async Task Empty_plaintext_round_trips_as_one_empty_final_chunk()
    {
        byte[] envelope = await EnvelopeEncryptor.ForRsa(TestKeys.Rsa2048, "study-rsa").EncryptToArrayAsync(ReadOnlyMemory<byte>.Empty);
        Assert.Empty(await Decryptor.DecryptToArrayAsync(envelope));
    }

    [Fact]
    public void Rsa_keys_outside_2048_to_4096_bits_are_refused()
    {
        using RSA small = RSA.Create(1024);
        Assert.Throws<ArgumentException>(() => EnvelopeEncryptor.ForRsa(small, "k"));
    }

    private static ECDiffieHellman ImportEc(string pem)
    {
        ECDiffieHellman ec = ECDiffieHellman.Create();
        ec.ImportFromPem(pem);
        return ec;
    }
}
