using System.Security.Cryptography;
using System.Text;
using Cohort.Encryption.Internal;

namespace Cohort.Encryption;

/// <summary>
/// A server-side keyed pseudonymiser: HMAC-SHA256 with a secret pepper, so that the same identifier gives the same
/// pseudonym on every device and upload (researchers can join on it), while nobody without the pepper can test a
/// guess. The pseudonym is url-safe base64 without padding (43 characters) of
/// <c>HMAC-SHA256(pepper, UTF-8(context) || 0x00 || UTF-8(identifier))</c>; a context (a study id) keeps pseudonyms of
/// different studies apart. Thread-safe.
/// </summary>
public sealed class KeyedPseudonymizer
{
    private readonly byte[] _pepper;

    /// <summary>Creates a pseudonymiser with a pepper of at least 32 bytes.</summary>
    public KeyedPseudonymizer(ReadOnlySpan<byte> pepper)
    {
        if (pepper.Length < 32)
        {
            throw new ArgumentException("The pepper must be at least 32 bytes.", nameof(pepper));
        }

        _pepper = pepper.ToArray();
    }

    /// <summary>Creates a pseudonymiser with the newest version of a secret key from a key provider.</summary>
    public static async ValueTask<KeyedPseudonymizer> CreateAsync(IKeyProvider keys, string pepperKeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        SecretKey key = await keys.GetSecretKeyAsync(pepperKeyId, null, cancellationToken).ConfigureAwait(false)
            ?? throw new DecryptionException(DecryptionFailure.UnknownKey, $"No key provider holds the secret key '{pepperKeyId}'.");
        return new KeyedPseudonymizer(key.Material);
    }

    /// <summary>The pseudonym of an identifier within a context (which cannot contain NUL).</summary>
    public string Pseudonymize(string identifier, string context = "")
    {
        ArgumentNullException.ThrowIfNull(identifier);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The context cannot contain NUL.", nameof(context));
        }

        byte[] message = Encoding.UTF8.GetBytes(context + "\0" + identifier);
        return Base64UrlText.Encode(HMACSHA256.HashData(_pepper, message), padded: false);
    }
}
