using System.Security.Cryptography;
using System.Text;

namespace Cohort.StudyServer;

/// <summary>Reads <c>Authorization: Bearer</c> tokens and compares them by hash, in constant time.</summary>
internal static class BearerToken
{
    /// <summary>The token of the request, or <see langword="null"/> when it carries none.</summary>
    public static string? Read(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string Scheme = "Bearer ";
        return header is not null && header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header.Length > Scheme.Length
            ? header[Scheme.Length..].Trim()
            : null;
    }

    /// <summary>The SHA-256 of a token, base64: what is stored instead of the token.</summary>
    public static string Hash(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether <paramref name="token"/> hashes to <paramref name="storedHash"/>, compared in constant time.</summary>
    public static bool HashEquals(string storedHash, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHash), Encoding.ASCII.GetBytes(Hash(token)));
}
