using System.Security.Cryptography;
using System.Text;
using Cohort.Encryption.Beiwe;
using Cohort.Encryption.Internal;

namespace Cohort.Encryption;

/// <summary>How a Beiwe client writes base64: Android keeps <c>=</c> padding, iOS drops it.</summary>
public enum BeiweClientStyle
{
    /// <summary>Url-safe base64 with <c>=</c> padding (beiwe-android).</summary>
    Android,

    /// <summary>Url-safe base64 without padding (beiwe-ios).</summary>
    Ios,
}

/// <summary>
/// Writes uploads in Beiwe's format (for tests, simulators and .NET clients): a key line with a fresh AES-128 key
/// wrapped with raw RSA, then one <c>iv:ciphertext</c> line per plaintext line. Thread-safe.
/// </summary>
public sealed class BeiweEncryptor
{
    private readonly RawRsaKey _key;
    private readonly bool _padded;

    /// <summary>Creates an encryptor for a study's RSA public key (delivered as <see cref="RsaKeys.ToBeiweRegistrationKey"/>).</summary>
    public BeiweEncryptor(RSA publicKey, BeiweClientStyle style = BeiweClientStyle.Android)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        _key = RawRsaKey.FromPublicKey(publicKey);
        _padded = style == BeiweClientStyle.Android;
    }

    /// <summary>Encrypts lines (which must not contain <c>\n</c>) into one upload, each line ending with <c>\n</c>.</summary>
    public byte[] Encrypt(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Span<byte> aesKey = stackalloc byte[16];
        RandomNumberGenerator.Fill(aesKey);
        StringBuilder text = new();
        byte[] inner = Encoding.ASCII.GetBytes(Base64UrlText.Encode(aesKey, _padded));
        text.Append(Base64UrlText.Encode(_key.Encrypt(inner), _padded)).Append('\n');
        using Aes aes = Aes.Create();
        aes.Key = aesKey.ToArray();
        CryptographicOperations.ZeroMemory(aesKey);
        Span<byte> iv = stackalloc byte[16];
        foreach (string line in lines)
        {
            if (line.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException("A Beiwe line cannot contain a newline.", nameof(lines));
            }

            RandomNumberGenerator.Fill(iv);
            byte[] ciphertext = aes.EncryptCbc(Encoding.UTF8.GetBytes(line), iv, PaddingMode.PKCS7);
            text.Append(Base64UrlText.Encode(iv, _padded)).Append(':').Append(Base64UrlText.Encode(ciphertext, _padded)).Append('\n');
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
