using System.Globalization;
using System.Security.Cryptography;
using Cohort.Encryption;

namespace Cohort.Benchmarks.Encryption;

/// <summary>
/// The Beiwe-format file the benchmarks and the Python peer (benchmarks/peers/beiwe_decrypt.py) both decrypt:
/// accelerometer-like CSV rows, Android style, written once to a folder with the study key beside it.
/// </summary>
internal static class BeiweBenchmarkFile
{
    public static string Folder =>
        Environment.GetEnvironmentVariable("COHORT_BENCH_DIR") ?? Path.Combine(Path.GetTempPath(), "cohort-encryption-bench");

    public static string UploadPath => Path.Combine(Folder, "beiwe_upload.txt");

    public static string KeyPath => Path.Combine(Folder, "beiwe_private_pkcs1.pem");

    /// <summary>Target size in MB (COHORT_BENCH_MB, default 20).</summary>
    public static int Megabytes => int.TryParse(Environment.GetEnvironmentVariable("COHORT_BENCH_MB"), CultureInfo.InvariantCulture, out int mb) ? mb : 20;

    public static (RSA Key, byte[] Upload) Load()
    {
        Directory.CreateDirectory(Folder);
        if (!File.Exists(UploadPath) || !File.Exists(KeyPath) || new FileInfo(UploadPath).Length < Megabytes * 1_000_000L * 9 / 10)
        {
            using RSA fresh = RsaKeys.Generate();
            File.WriteAllText(KeyPath, RsaKeys.ExportPem(fresh, RsaPemFormat.Pkcs1PrivateKey));
            File.WriteAllBytes(UploadPath, new BeiweEncryptor(fresh).Encrypt(Rows(Megabytes * 1_000_000L)));
        }

        RSA key = RsaKeys.ImportPem(File.ReadAllText(KeyPath));
        return (key, File.ReadAllBytes(UploadPath));
    }

    private static IEnumerable<string> Rows(long targetBytes)
    {
        yield return "timestamp,UTC time,accuracy,x,y,z";
        long written = 0;
        Random random = new(42);
        for (long i = 0; written < targetBytes; i++)
        {
            long ts = 1_700_000_000_000 + (i * 100);
            string row = string.Create(CultureInfo.InvariantCulture, $"{ts},2023-11-14T22:13:{i % 60:00}.{i % 1000:000},unknown,{random.NextDouble() * 2 - 1:F6},{random.NextDouble() * 2 - 1:F6},{9.8 + random.NextDouble() * 0.1:F6}");
            // An encrypted line: 24 (iv) + 1 + base64 of the padded row + 1.
            written += 26 + ((((row.Length / 16) + 1) * 16 + 2) / 3 * 4);
            yield return row;
        }
    }
}
