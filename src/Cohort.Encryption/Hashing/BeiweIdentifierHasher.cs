using System.Security.Cryptography;
using System.Text;
using Cohort.Encryption.Internal;

namespace Cohort.Encryption;

/// <summary>
/// Pseudonymises identifiers (phone numbers, MAC addresses, contact names) exactly as Beiwe's phone apps do, so that
/// Cohort clients and simulators produce the same hashes: PBKDF2-HMAC-SHA256 over the UTF-8 identifier with the
/// device's salt and iteration count, 64 bytes, url-safe base64 with padding (88 characters). Thread-safe.
/// </summary>
public sealed class BeiweIdentifierHasher
{
    /// <summary>The length of every hash this class returns.</summary>
    public const int HashLength = 88;

    private readonly byte[] _salt;
    private readonly int _iterations;

    /// <summary>Creates a hasher with the device's salt and iteration count (Beiwe draws 901 to 1100 per device).</summary>
    public BeiweIdentifierHasher(ReadOnlySpan<byte> salt, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        _salt = salt.ToArray();
        _iterations = iterations;
    }

    /// <summary>The 88-character hash of an identifier.</summary>
    public string Hash(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        Span<byte> derived = stackalloc byte[64];
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(identifier), _salt, derived, _iterations, HashAlgorithmName.SHA256);
        return Base64UrlText.Encode(derived, padded: true);
    }

    /// <summary>The hash of a phone number after <see cref="NormalizePhoneNumber"/>.</summary>
    public string HashPhoneNumber(string phoneNumber) => Hash(NormalizePhoneNumber(phoneNumber));

    /// <summary>Beiwe's phone-number normalisation: keep the ASCII digits, then the last 10 of them.</summary>
    public static string NormalizePhoneNumber(string phoneNumber)
    {
        ArgumentNullException.ThrowIfNull(phoneNumber);
        StringBuilder digits = new(phoneNumber.Length);
        foreach (char c in phoneNumber)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
        }

        return digits.Length > 10 ? digits.ToString(digits.Length - 10, 10) : digits.ToString();
    }

    /// <summary>
    /// Beiwe's non-anonymised mode: plain SHA-256 of the UTF-8 identifier, url-safe base64 with padding
    /// (44 characters); the empty identifier gives <c>null_data</c>.
    /// </summary>
    public static string Sha256(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        if (identifier.Length == 0)
        {
            return "null_data";
        }

        return Base64UrlText.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(identifier)), padded: true);
    }
}
