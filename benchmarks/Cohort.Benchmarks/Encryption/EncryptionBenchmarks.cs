using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cohort.Encryption;

namespace Cohort.Benchmarks.Encryption;

/// <summary>Decrypting a Beiwe upload (20 MB by default, COHORT_BENCH_MB to change), in memory and streamed.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class BeiweDecryptBenchmarks
{
    private byte[] _upload = [];
    private BeiweDecryptor _decryptor = null!;

    [GlobalSetup]
    public void Setup()
    {
        (RSA key, byte[] upload) = BeiweBenchmarkFile.Load();
        _upload = upload;
        _decryptor = new BeiweDecryptor(key);
        key.Dispose();
    }

    [Benchmark]
    public long DecryptInMemory() => _decryptor.Decrypt(_upload).Report.PlaintextBytes;

    [Benchmark]
    public async Task<long> DecryptStreamed()
    {
        BeiweDecryptionReport report = await _decryptor.DecryptAsync(new MemoryStream(_upload, writable: false), Stream.Null);
        return report.PlaintextBytes;
    }
}

/// <summary>Cohort envelope encryption and decryption of 32 MB (P-256 recipient, 64 KiB chunks).</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class EnvelopeBenchmarks
{
    private const int Size = 32 * 1024 * 1024;
    private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private byte[] _plaintext = [];
    private byte[] _envelope = [];
    private EnvelopeEncryptor _encryptor = null!;
    private EnvelopeDecryptor _decryptor = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _plaintext = RandomNumberGenerator.GetBytes(Size);
        _encryptor = EnvelopeEncryptor.ForP256(_key, "bench");
        _decryptor = new EnvelopeDecryptor(new InMemoryKeyProvider().AddPrivateKey("bench", _key));
        _envelope = await _encryptor.EncryptToArrayAsync(_plaintext);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark]
    public Task Encrypt() => _encryptor.EncryptAsync(new MemoryStream(_plaintext, writable: false), Stream.Null);

    [Benchmark]
    public Task<EnvelopeDecryptionReport> Decrypt() => _decryptor.DecryptAsync(new MemoryStream(_envelope, writable: false), Stream.Null);
}

/// <summary>Per-file and per-identifier costs: Beiwe's raw-RSA key unwrap, and PBKDF2 identifier hashing.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class KeyCostBenchmarks
{
    private readonly RSA _key = RsaKeys.Generate();
    private readonly BeiweIdentifierHasher _hasher = new("device-salt"u8, 1000);
    private byte[] _keyLineOnly = [];
    private BeiweDecryptor _decryptor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keyLineOnly = new BeiweEncryptor(_key).Encrypt([]);
        _decryptor = new BeiweDecryptor(_key);
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark]
    public long BeiweRsaUnwrapPerFile() => _decryptor.Decrypt(_keyLineOnly).Report.LinesDecrypted;

    [Benchmark]
    public string Pbkdf2IdentifierHash1000Iterations() => _hasher.Hash("5551234567");
}
