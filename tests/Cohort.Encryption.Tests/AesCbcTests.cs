using System.Security.Cryptography;
using Cohort.Encryption.Beiwe;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Encryption.Tests;

public class AesCbcTests
{
    [Property(MaxTest = 100)]
    public bool Hardware_and_platform_cbc_decryption_agree_with_the_platform_encryption(NonEmptyArray<byte> plaintext, bool hardware)
    {
        byte[] key = RandomNumberGenerator.GetBytes(16);
        byte[] iv = RandomNumberGenerator.GetBytes(16);
        using System.Security.Cryptography.Aes aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        byte[] ciphertext = aes.EncryptCbc(plaintext.Get, iv, PaddingMode.PKCS7);
        using AesCbcDecryptor decryptor = new(key, hardware);
        byte[] output = new byte[ciphertext.Length];

        decryptor.Decrypt(ciphertext, iv, output);

        return output.AsSpan(0, plaintext.Get.Length).SequenceEqual(plaintext.Get);
    }

    [Fact]
    public void Matches_the_fips_197_aes_128_known_answer()
    {
        // FIPS-197 appendix C.1: key 000102..0f, plaintext 00112233..ff; as CBC with a zero IV this is one ECB block.
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        byte[] ciphertext = Convert.FromHexString("69c4e0d86a7b0430d8cdb78070b4c55a");
        using AesCbcDecryptor decryptor = new(key);
        byte[] output = new byte[16];

        decryptor.Decrypt(ciphertext, new byte[16], output);

        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), output);
    }
}
