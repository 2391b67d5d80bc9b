using System.Numerics;
using System.Security.Cryptography;
using Cohort.Encryption.Beiwe;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Encryption.Tests;

public class RawRsaTests
{
    private static readonly RSAParameters Parameters = TestKeys.Rsa2048.ExportParameters(true);
    private static readonly BigInteger P = new(Parameters.P, true, true);
    private static readonly MontgomeryModulus MontP = new(P);

    [Property(MaxTest = 20)]
    public bool Montgomery_power_agrees_with_BigInteger_ModPow(NonEmptyArray<byte> value, NonEmptyArray<byte> exponent)
    {
        BigInteger x = new BigInteger(value.Get, isUnsigned: true) % P;
        BigInteger e = new(exponent.Get, isUnsigned: true);
        return MontP.Pow(x, e) == BigInteger.ModPow(x, e, P);
    }

    [Fact]
    public void Raw_decrypt_inverts_raw_encrypt_and_matches_the_textbook_formula()
    {
        RawRsaKey privateKey = RawRsaKey.FromPrivateKey(TestKeys.Rsa2048);
        RawRsaKey publicKey = RawRsaKey.FromPublicKey(TestKeys.Rsa2048);
        byte[] message = RandomNumberGenerator.GetBytes(200);

        byte[] ciphertext = publicKey.Encrypt(message);
        BigInteger n = new(Parameters.Modulus, true, true);
        BigInteger expected = BigInteger.ModPow(new BigInteger(message, true, true), 65537, n);

        Assert.Equal(expected, new BigInteger(ciphertext, true, true));
        Assert.Equal(message, privateKey.Decrypt(ciphertext)!.AsSpan(56).ToArray());
    }

    [Fact]
    public void Raw_decrypt_refuses_a_ciphertext_not_below_the_modulus()
    {
        RawRsaKey privateKey = RawRsaKey.FromPrivateKey(TestKeys.Rsa2048);
        Assert.Null(privateKey.Decrypt(Enumerable.Repeat((byte)0xFF, 256).ToArray()));
    }
}
