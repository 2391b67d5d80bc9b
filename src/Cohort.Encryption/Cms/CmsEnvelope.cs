using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Cohort.Encryption;

/// <summary>
/// CMS EnvelopedData (RFC 5652) for interoperability with tools such as <c>openssl cms</c>: content encrypted with
/// AES-256-CBC, the content key transported with RSA (OAEP-SHA256 by default, or PKCS#1 v1.5). DER in and out.
/// Messages are held in memory; use the Cohort envelope for large streams.
/// </summary>
public static class CmsEnvelope
{
    private static readonly Oid Aes256Cbc = new("2.16.840.1.101.3.4.1.42", "aes256");

    /// <summary>Encrypts content for a recipient certificate (RSA), returning DER EnvelopedData.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> content, X509Certificate2 recipient, bool useOaep = true)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        EnvelopedCms cms = new(new ContentInfo(content.ToArray()), new AlgorithmIdentifier(Aes256Cbc, 256));
        CmsRecipient cmsRecipient = useOaep
            ? new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient, RSAEncryptionPadding.OaepSHA256)
            : new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient, RSAEncryptionPadding.Pkcs1);
        cms.Encrypt(cmsRecipient);
        return cms.Encode();
    }

    /// <summary>Decrypts DER EnvelopedData with a private key, trying each recipient entry in turn.</summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> message, AsymmetricAlgorithm privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        EnvelopedCms cms = new();
        try
        {
            cms.Decode(message);
        }
        catch (CryptographicException ex)
        {
            throw new DecryptionException(DecryptionFailure.InvalidCmsMessage, "The data is not a CMS EnvelopedData message.", ex);
        }

        foreach (RecipientInfo recipient in cms.RecipientInfos)
        {
            try
            {
                cms.Decrypt(recipient, privateKey);
                return cms.ContentInfo.Content;
            }
            catch (CryptographicException)
            {
                // Not this recipient entry (or not this key): try the next one; the failure is reported below.
            }
        }

        throw new DecryptionException(DecryptionFailure.KeyUnwrapFailed, "No recipient entry of the CMS message could be decrypted with the given key.");
    }
}
