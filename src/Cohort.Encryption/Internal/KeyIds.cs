using System.Security.Cryptography;

namespace Cohort.Encryption.Internal;

/// <summary>Key id rules and key parsing shared by the providers. Errors never quote key material.</summary>
internal static class KeyIds
{
    public static void Validate(string keyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        if (keyId.Length > 255 || keyId[0] == '.')
        {
            throw new ArgumentException("A key id is 1 to 255 characters and cannot start with a dot.", nameof(keyId));
        }

        foreach (char c in keyId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                throw new ArgumentException("A key id may only hold A-Z a-z 0-9 . _ -", nameof(keyId));
            }
        }
    }

    public static SecretKey ParseSecret(string keyId, int version, string base64, string source)
    {
        byte[] material;
        try
        {
            material = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            // The inner exception would quote nothing secret, but it is dropped anyway: the message says enough.
            throw new CohortCryptographyException($"The {source} for secret key '{keyId}' v{version} is not standard base64.");
        }

        try
        {
            return new SecretKey(keyId, version, material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}

/// <summary>Reads an RSA or P-256 private key from PEM without ever quoting it in an error.</summary>
internal static class PrivateKeyPem
{
    public static AsymmetricAlgorithm Import(string pem, string keyId)
    {
        if (!pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal))
        {
            RSA rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(pem);
                return rsa;
            }
            catch (CryptographicException)
            {
                rsa.Dispose();
            }
            catch (ArgumentException)
            {
                rsa.Dispose();
            }
        }

        ECDiffieHellman ecdh = ECDiffieHellman.Create();
        try
        {
            ecdh.ImportFromPem(pem);
            return ecdh;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            ecdh.Dispose();
            throw new CohortCryptographyException($"The PEM for private key '{keyId}' is neither an RSA nor an EC private key.");
        }
    }
}
