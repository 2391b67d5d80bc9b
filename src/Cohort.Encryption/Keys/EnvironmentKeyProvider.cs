using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cohort.Encryption.Internal;

namespace Cohort.Encryption;

/// <summary>
/// An <see cref="IKeyProvider"/> reading environment variables (container secrets): <c>&lt;prefix&gt;&lt;ID&gt;</c> holds
/// a private key as PEM, <c>&lt;prefix&gt;&lt;ID&gt;_V&lt;version&gt;</c> a secret key as standard base64, where ID is the
/// key id upper-cased with every character other than a letter or digit replaced by <c>_</c>. The default prefix is
/// <c>COHORT_KEY_</c>.
/// </summary>
public sealed class EnvironmentKeyProvider : IKeyProvider
{
    /// <summary>The default variable prefix.</summary>
    public const string DefaultPrefix = "COHORT_KEY_";

    private readonly string _prefix;

    /// <summary>Creates a provider with a variable prefix.</summary>
    public EnvironmentKeyProvider(string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _prefix = prefix;
    }

    /// <summary>The variable name for a key id (and a secret version, when given).</summary>
    public string VariableName(string keyId, int? version = null)
    {
        KeyIds.Validate(keyId);
        StringBuilder name = new(_prefix);
        foreach (char c in keyId)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        if (version is int v)
        {
            name.Append(CultureInfo.InvariantCulture, $"_V{v}");
        }

        return name.ToString();
    }

    /// <inheritdoc />
    public ValueTask<AsymmetricAlgorithm?> GetPrivateKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        string? pem = Environment.GetEnvironmentVariable(VariableName(keyId));
        return ValueTask.FromResult(pem is null ? null : PrivateKeyPem.Import(pem, keyId));
    }

    /// <inheritdoc />
    public ValueTask<SecretKey?> GetSecretKeyAsync(string keyId, int? version = null, CancellationToken cancellationToken = default)
    {
        int? chosen = version ?? NewestVersion(keyId);
        if (chosen is not int v)
        {
            return ValueTask.FromResult<SecretKey?>(null);
        }

        string? text = Environment.GetEnvironmentVariable(VariableName(keyId, v));
        return ValueTask.FromResult(text is null ? null : KeyIds.ParseSecret(keyId, v, text, "environment variable"));
    }

    private int? NewestVersion(string keyId)
    {
        string stem = VariableName(keyId) + "_V";
        int? newest = null;
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(stem, StringComparison.Ordinal) &&
                int.TryParse(name.AsSpan(stem.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int v) &&
                (newest is null || v > newest))
            {
                newest = v;
            }
        }

        return newest;
    }
}
