using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace Cohort.Encryption.Tests;

public class AtRestTests
{
    [Fact]
    public async Task Protect_then_unprotect_returns_the_object_and_names_key_and_version()
    {
        InMemoryKeyProvider keys = new InMemoryKeyProvider().AddSecretKey(new SecretKey("study-1", 1, RandomNumberGenerator.GetBytes(32)));
        AtRestProtector protector = new(keys, new EnvelopeOptions { Compression = EnvelopeCompression.Brotli });
        byte[] csv = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("1700000000,0.1,0.2,9.8\n", 2000)));
        using MemoryStream stored = new();

        AtRestKeyReference written = await protector.ProtectAsync("study-1", new MemoryStream(csv), stored);
        stored.Position = 0;
        AtRestKeyReference read = await AtRestProtector.ReadKeyReferenceAsync(stored);
        stored.Position = 0;
        using MemoryStream output = new();
        await protector.UnprotectAsync(stored, output);

        Assert.Equal(new AtRestKeyReference("study-1", 1), written);
        Assert.Equal(written, read);
        Assert.Equal(csv, output.ToArray());
        Assert.True(stored.Length < csv.Length / 4);
    }

    [Fact]
    public async Task Rotation_rewraps_the_data_key_and_copies_the_chunks_unchanged()
    {
        SecretKey v1 = new("study-1", 1, RandomNumberGenerator.GetBytes(32));
        SecretKey v2 = new("study-1", 2, RandomNumberGenerator.GetBytes(32));
        InMemoryKeyProvider keys = new InMemoryKeyProvider().AddSecretKey(v1);
        AtRestProtector protector = new(keys, new EnvelopeOptions { ChunkSize = 1024 });
        byte[] data = RandomNumberGenerator.GetBytes(5000);
        using MemoryStream stored = new();
        await protector.ProtectAsync("study-1", new MemoryStream(data), stored);
        keys.AddSecretKey(v2);

        using MemoryStream rotated = new();
        stored.Position = 0;
        AtRestKeyReference reference = await protector.RewrapAsync(stored, rotated);

        Assert.Equal(2, reference.Version);
        byte[] oldBytes = stored.ToArray();
        byte[] newBytes = rotated.ToArray();
        Assert.Equal(oldBytes[^(5000 + (5 * 16))..], newBytes[^(5000 + (5 * 16))..]);
        InMemoryKeyProvider onlyV2 = new InMemoryKeyProvider().AddSecretKey(v2);
        using MemoryStream output = new();
        rotated.Position = 0;
        await new AtRestProtector(onlyV2).UnprotectAsync(rotated, output);
        Assert.Equal(data, output.ToArray());
    }

    [Fact]
    public async Task Object_wrapped_with_a_version_the_provider_lacks_is_an_unknown_key()
    {
        InMemoryKeyProvider keys = new InMemoryKeyProvider().AddSecretKey(new SecretKey("s", 5, RandomNumberGenerator.GetBytes(32)));
        using MemoryStream stored = new();
        await new AtRestProtector(keys).ProtectAsync("s", new MemoryStream([1, 2, 3]), stored);
        stored.Position = 0;

        InMemoryKeyProvider other = new InMemoryKeyProvider().AddSecretKey(new SecretKey("s", 6, RandomNumberGenerator.GetBytes(32)));
        DecryptionException ex = await Assert.ThrowsAsync<DecryptionException>(() => new AtRestProtector(other).UnprotectAsync(stored, Stream.Null));
        Assert.Equal(DecryptionFailure.UnknownKey, ex.Reason);
    }

    [Fact]
    public async Task Add_cohort_encryption_wires_host_providers_before_the_key_folder()
    {
        string dir = Directory.CreateTempSubdirectory("cohort-di").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "study-a.pem"), TestKeys.VectorText("beiwe_private_pkcs1.pem"));
        InMemoryKeyProvider hostProvider = new InMemoryKeyProvider().AddSecretKey(new SecretKey("kek", 1, new byte[32]));
        ServiceCollection services = new();
        services.AddSingleton<IKeyProvider>(hostProvider);
        services.AddCohortEncryption(o =>
        {
            o.KeyDirectory = dir;
            o.UseEnvironmentVariables = false;
        });
        using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        BeiweDecryptor beiwe = await provider.GetRequiredService<BeiweDecryptorFactory>().CreateAsync("study-a");
        Assert.Equal(121, beiwe.Decrypt(TestKeys.Vector("beiwe_android.txt")).Report.LinesDecrypted);
        using MemoryStream stored = new();
        await provider.GetRequiredService<AtRestProtector>().ProtectAsync("kek", new MemoryStream([9]), stored);
        Assert.NotNull(provider.GetRequiredService<EnvelopeDecryptor>());
    }
}
