using System.Security.Cryptography;
using System.Text;

namespace Cohort.Encryption.Tests;

/// <summary>Keys and vector files shared by the tests (generated once per test run).</summary>
internal static class TestKeys
{
    public static readonly RSA Rsa2048 = RsaKeys.Generate();
    public static readonly ECDiffieHellman P256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public static string VectorPath(string name) => Path.Combine(AppContext.BaseDirectory, "Vectors", name);

    public static byte[] Vector(string name) => File.ReadAllBytes(VectorPath(name));

    public static string VectorText(string name) => File.ReadAllText(VectorPath(name), Encoding.UTF8);

    public static RSA BeiweStudyKey()
    {
        RSA rsa = RSA.Create();
        rsa.ImportFromPem(VectorText("beiwe_private_pkcs1.pem"));
        return rsa;
    }
}
