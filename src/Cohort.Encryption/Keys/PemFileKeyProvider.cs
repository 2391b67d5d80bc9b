using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Cohort.Encryption.Internal;

namespace Cohort.Encryption;

/// <summary>
/// An <see cref="IKeyProvider"/> reading a folder: <c>&lt;keyId&gt;.pem</c> holds a private key (PKCS#1, PKCS#8 or
/// SEC1 PEM; RSA or P-256), <c>&lt;keyId&gt;.v&lt;version&gt;.key</c> holds a secret key as standard base64. Keys are
/// read once and cached. Key ids are limited to <c>A-Z a-z 0-9 . _ -</c> and cannot start with a dot.
/// </summary>
public sealed class PemFileKeyProvider : IKeyProvider, IDisposable
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, Lazy<AsymmetricAlgorithm?>> _privateKeys = new(StringComparer.Ordinal);

    /// <summary>Creates a provider over a folder.</summary>
    public PemFileKeyProvider(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
    }

    /// <inheritdoc />
    public ValueTask<AsymmetricAlgorithm?> GetPrivateKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        KeyIds.Validate(keyId);
        Lazy<AsymmetricAlgorithm?> entry = _privateKeys.GetOrAdd(keyId, id => new Lazy<AsymmetricAlgorithm?>(() => Load(id)));
        return ValueTask.FromResult(entry.Value);
    }

    /// <inheritdoc />
    public async ValueTask<SecretKey?> GetSecretKeyAsync(string keyId, int? version = null, CancellationToken cancellationToken = default)
    {
        KeyIds.Validate(keyId);
        int? chosen = version ?? NewestVersion(keyId);
        if (chosen is not int v)
        {
            return null;
        }

        string path = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{keyId}.v{v}.key"));
        if (!File.Exists(path))
        {
            return null;
        }

        string text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return KeyIds.ParseSecret(keyId, v, text, "file");
    }

    /// <summary>Disposes the private keys read so far.</summary>
    public void Dispose()
    {
        foreach (Lazy<AsymmetricAlgorithm?> entry in _privateKeys.Values)
        {
            if (entry.IsValueCreated)
            {
                entry.Value?.Dispose();
            }
        }

        _privateKeys.Clear();
    }

    private AsymmetricAlgorithm? Load(string keyId)
    {
        string path = Path.Combine(_directory, keyId + ".pem");
        return File.Exists(path) ? PrivateKeyPem.Import(File.ReadAllText(path), keyId) : null;
    }

    private int? NewestVersion(string keyId)
    {
        if (!Directory.Exists(_directory))
        {
            return null;
        }

        int? newest = null;
        string prefix = keyId + ".v";
        foreach (string file in Directory.EnumerateFiles(_directory, keyId + ".v*.key"))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            if (name.StartsWith(prefix, StringComparison.Ordinal) &&
                int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int v) &&
                (newest is null || v > newest))
            {
                newest = v;
            }
        }

        return newest;
    }
}
