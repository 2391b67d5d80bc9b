using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Cohort.Encryption.Beiwe;

/// <summary>
/// AES-128-CBC decryption without padding removal, with one key for many short messages (Beiwe's lines). On x86
/// with AES-NI the key schedule is expanded once and each line is decrypted with the AES instructions directly,
/// which avoids the per-call setup of the platform cipher (the cost that dominates lines of ~100 bytes); elsewhere it
/// uses <see cref="System.Security.Cryptography.Aes"/>. Both paths are checked against the same known-answer files.
/// </summary>
internal sealed class AesCbcDecryptor : IDisposable
{
    private readonly System.Security.Cryptography.Aes? _platform;
    private readonly Vector128<byte>[]? _roundKeys;

    public AesCbcDecryptor(ReadOnlySpan<byte> key, bool allowHardware = true)
    {
        if (allowHardware && X86Aes.IsSupported && key.Length == 16)
        {
            _roundKeys = ExpandDecryptionKeys(key);
        }
        else
        {
            _platform = System.Security.Cryptography.Aes.Create();
            _platform.Key = key.ToArray();
        }
    }

    public void Decrypt(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        if (_roundKeys is null)
        {
            _platform!.DecryptCbc(ciphertext, iv, destination, PaddingMode.None);
            return;
        }

        DecryptHardware(_roundKeys, ciphertext, iv, destination);
    }

    public void Dispose()
    {
        _platform?.Dispose();
        if (_roundKeys is not null)
        {
            Array.Clear(_roundKeys);
        }
    }

    private static void DecryptHardware(Vector128<byte>[] k, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        if (ciphertext.Length % 16 != 0 || destination.Length < ciphertext.Length || iv.Length != 16)
        {
            throw new ArgumentException("CBC input must be whole blocks with a 16-byte IV.", nameof(ciphertext));
        }

        Vector128<byte> previous = Vector128.Create(iv);
        ref byte source = ref MemoryMarshal.GetReference(ciphertext);
        ref byte target = ref MemoryMarshal.GetReference(destination);
        int blocks = ciphertext.Length / 16;
        int i = 0;
        for (; i + 4 <= blocks; i += 4)
        {
            Vector128<byte> c0 = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref source, i * 16));
            Vector128<byte> c1 = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref source, (i + 1) * 16));
            Vector128<byte> c2 = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref source, (i + 2) * 16));
            Vector128<byte> c3 = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref source, (i + 3) * 16));
            Vector128<byte> b0 = c0 ^ k[0], b1 = c1 ^ k[0], b2 = c2 ^ k[0], b3 = c3 ^ k[0];
            for (int r = 1; r < 10; r++)
            {
                b0 = X86Aes.Decrypt(b0, k[r]);
                b1 = X86Aes.Decrypt(b1, k[r]);
                b2 = X86Aes.Decrypt(b2, k[r]);
                b3 = X86Aes.Decrypt(b3, k[r]);
            }

            b0 = X86Aes.DecryptLast(b0, k[10]) ^ previous;
            b1 = X86Aes.DecryptLast(b1, k[10]) ^ c0;
            b2 = X86Aes.DecryptLast(b2, k[10]) ^ c1;
            b3 = X86Aes.DecryptLast(b3, k[10]) ^ c2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, i * 16), b0);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, (i + 1) * 16), b1);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, (i + 2) * 16), b2);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, (i + 3) * 16), b3);
            previous = c3;
        }

        for (; i < blocks; i++)
        {
            Vector128<byte> c = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref source, i * 16));
            Vector128<byte> b = c ^ k[0];
            for (int r = 1; r < 10; r++)
            {
                b = X86Aes.Decrypt(b, k[r]);
            }

            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, i * 16), X86Aes.DecryptLast(b, k[10]) ^ previous);
            previous = c;
        }
    }

    /// <summary>The AES-128 encryption key schedule, then reversed with InvMixColumns for the equivalent inverse cipher.</summary>
    private static Vector128<byte>[] ExpandDecryptionKeys(ReadOnlySpan<byte> key)
    {
        Vector128<byte>[] encryption = new Vector128<byte>[11];
        encryption[0] = Vector128.Create(key);
        encryption[1] = Next(encryption[0], X86Aes.KeygenAssist(encryption[0], 0x01));
        encryption[2] = Next(encryption[1], X86Aes.KeygenAssist(encryption[1], 0x02));
        encryption[3] = Next(encryption[2], X86Aes.KeygenAssist(encryption[2], 0x04));
        encryption[4] = Next(encryption[3], X86Aes.KeygenAssist(encryption[3], 0x08));
        encryption[5] = Next(encryption[4], X86Aes.KeygenAssist(encryption[4], 0x10));
        encryption[6] = Next(encryption[5], X86Aes.KeygenAssist(encryption[5], 0x20));
        encryption[7] = Next(encryption[6], X86Aes.KeygenAssist(encryption[6], 0x40));
        encryption[8] = Next(encryption[7], X86Aes.KeygenAssist(encryption[7], 0x80));
        encryption[9] = Next(encryption[8], X86Aes.KeygenAssist(encryption[8], 0x1B));
        encryption[10] = Next(encryption[9], X86Aes.KeygenAssist(encryption[9], 0x36));

        Vector128<byte>[] decryption = new Vector128<byte>[11];
        decryption[0] = encryption[10];
        for (int i = 1; i < 10; i++)
        {
            decryption[i] = X86Aes.InverseMixColumns(encryption[10 - i]);
        }

        decryption[10] = encryption[0];
        Array.Clear(encryption);
        return decryption;

        static Vector128<byte> Next(Vector128<byte> previous, Vector128<byte> assist)
        {
            Vector128<byte> word = Sse2.Shuffle(assist.AsInt32(), 0xFF).AsByte();
            Vector128<byte> k = previous;
            k ^= Sse2.ShiftLeftLogical128BitLane(k, 4);
            k ^= Sse2.ShiftLeftLogical128BitLane(k, 4);
            k ^= Sse2.ShiftLeftLogical128BitLane(k, 4);
            return k ^ word;
        }
    }
}
