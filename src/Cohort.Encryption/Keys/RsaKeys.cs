using System.Security.Cryptography;

namespace Cohort.Encryption;

/// <summary>The PEM encodings <see cref="RsaKeys"/> writes.</summary>
public enum RsaPemFormat
{
    /// <summary><c>-----BEGIN PUBLIC KEY-----</c>: the DER SubjectPublicKeyInfo.</summary>
    SubjectPublicKeyInfo,

    /// <summary><c>-----BEGIN RSA PRIVATE KEY-----</c>: PKCS#1 (Beiwe stores study keys this way).</summary>
    Pkcs1PrivateKey,

    /// <summary><c>-----BEGIN PRIVATE KEY-----</c>: unencrypted PKCS#8.</summary>
    Pkcs8PrivateKey,

    /// <summary><c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>: PKCS#8 encrypted with AES-256-CBC and PBKDF2-HMAC-SHA256.</summary>
    EncryptedPkcs8PrivateKey,
}

/// <summary>RSA key pairs for study keys: generation, PEM, and Beiwe's public-key delivery at registration.</summary>
public static class RsaKeys
{
    /// <summary>PBKDF2 iterations used when a private key is exported encrypted (OWASP's figure for HMAC-SHA256).</summary>
    public const int EncryptedPemIterations = 600_000;

    /// <summary>Generates an RSA key pair with public exponent 65537 (2048 bits, as Beiwe uses, unless told otherwise).</summary>
    public static RSA Generate(int keySizeInBits = 2048)
    {
        if (keySizeInBits is < 2048 or > 8192 || keySizeInBits % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(keySizeInBits), keySizeInBits, "The key size must be a multiple of 8 from 2048 to 8192 bits.");
        }

        return RSA.Create(keySizeInBits);
    }

    /// <summary>
    /// The public key as Beiwe's server hands it to a phone at registration: standard base64 of the DER
    /// SubjectPublicKeyInfo, i.e. the body of the PEM without its header lines or line breaks.
    /// </summary>
    public static string ToBeiweRegistrationKey(RSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>
    /// A key id derived from the public key alone, <c>spki-sha256-</c> and the first 16 hex digits of the SHA-256 of
    /// its DER SubjectPublicKeyInfo: the sender (holding the public key) and the reader (holding the private key)
    /// compute the same id without agreeing on a name.
    /// </summary>
    public static string FingerprintKeyId(RSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "spki-sha256-" + Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()), 0, 8);
    }

    /// <summary>Reads a public key in Beiwe's registration form (standard base64 of the DER SubjectPublicKeyInfo).</summary>
    public static RSA FromBeiweRegistrationKey(string registrationKey)
    {
        ArgumentNullException.ThrowIfNull(registrationKey);
        RSA rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(registrationKey), out _);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>Writes a key as PEM. <paramref name="password"/> is required for, and only used by, the encrypted format.</summary>
    public static string ExportPem(RSA key, RsaPemFormat format, ReadOnlySpan<char> password = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return format switch
        {
            RsaPemFormat.SubjectPublicKeyInfo => key.ExportSubjectPublicKeyInfoPem(),
            RsaPemFormat.Pkcs1PrivateKey => key.ExportRSAPrivateKeyPem(),
            RsaPemFormat.Pkcs8PrivateKey => key.ExportPkcs8PrivateKeyPem(),
            RsaPemFormat.EncryptedPkcs8PrivateKey when password.IsEmpty => throw new ArgumentException("An encrypted PEM needs a password.", nameof(password)),
            RsaPemFormat.EncryptedPkcs8PrivateKey => key.ExportEncryptedPkcs8PrivateKeyPem(
                password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, EncryptedPemIterations)),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown PEM format."),
        };
    }

    /// <summary>Reads an RSA key from PEM (any of the <see cref="RsaPemFormat"/> encodings; the password for an encrypted one).</summary>
    public static RSA ImportPem(string pem, ReadOnlySpan<char> password = default)
    {
        ArgumentNullException.ThrowIfNull(pem);
        RSA rsa = RSA.Create();
        try
        {
            if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                rsa.ImportFromEncryptedPem(pem, password);
            }
            else
            {
                rsa.ImportFromPem(pem);
            }

            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }
}
