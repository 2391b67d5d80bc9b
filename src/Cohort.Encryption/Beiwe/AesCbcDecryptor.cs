using System.Security.Cryptography;

namespace Cohort.Encryption.Beiwe;

/// <summary>AES-CBC decryption without padding removal, with one key for many short messages (Beiwe's lines).</summary>
internal sealed class AesCbcDecryptor : IDisposable
{
    private readonly Aes _aes;

    public AesCbcDecryptor(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
    }

    public void Decrypt(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> iv, Span<byte> destination) =>
        _aes.DecryptCbc(ciphertext, iv, destination, PaddingMode.None);

    public void Dispose() => _aes.Dispose();
}
