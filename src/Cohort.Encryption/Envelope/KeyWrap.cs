using System.Security.Cryptography;

namespace Cohort.Encryption.Envelope;

/// <summary>Wraps and unwraps the 32-byte data key of an envelope (see docs/envelope-format.md, "Key block").</summary>
internal static class KeyWrap
{
    public const int EcPointLength = 65;
    public const int EcdhWrappedLength = EcPointLength + EnvelopeHeader.DataKeyLength + EnvelopeHeader.TagLength;
    public const int SymmetricWrappedLength = EnvelopeHeader.NonceLength + EnvelopeHeader.DataKeyLength + EnvelopeHeader.TagLength;
    private static ReadOnlySpan<byte> HkdfInfo => "cohort-envelope-v1/p256"u8;

    public static void CheckRsaKeySize(RSA key)
    {
        if (key.KeySize is < 2048 or > 4096)
        {
            throw new ArgumentException("Envelope RSA keys are 2048 to 4096 bits.", nameof(key));
        }
    }

    public static void CheckP256(ECDiffieHellman key)
    {
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        if (!parameters.Curve.IsNamed || parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new ArgumentException("Envelope ECDH keys are on P-256.", nameof(key));
        }
    }

    public static byte[] WrapRsa(RSA recipient, ReadOnlySpan<byte> dataKey) => recipient.Encrypt(dataKey.ToArray(), RSAEncryptionPadding.OaepSHA256);

    public static byte[]? UnwrapRsa(RSA recipient, byte[] wrapped)
    {
        if (recipient.KeySize / 8 != wrapped.Length)
        {
            return null;
        }

        try
        {
            byte[] key = recipient.Decrypt(wrapped, RSAEncryptionPadding.OaepSHA256);
            return key.Length == EnvelopeHeader.DataKeyLength ? key : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static byte[] WrapEcdh(ECDiffieHellman recipient, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData)
    {
        using ECDiffieHellman ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        ECParameters eph = ephemeral.ExportParameters(includePrivateParameters: false);
        byte[] wrapped = new byte[EcdhWrappedLength];
        wrapped[0] = 0x04;
        eph.Q.X!.CopyTo(wrapped, 1);
        eph.Q.Y!.CopyTo(wrapped, 33);
        byte[] shared = ephemeral.DeriveRawSecretAgreement(recipient.PublicKey);
        byte[] kek = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, wrapped.AsSpan(0, EcPointLength).ToArray(), HkdfInfo.ToArray());
        try
        {
            using AesGcm gcm = new(kek, EnvelopeHeader.TagLength);
            gcm.Encrypt(stackalloc byte[EnvelopeHeader.NonceLength], dataKey, wrapped.AsSpan(EcPointLength, 32), wrapped.AsSpan(EcPointLength + 32), associatedData);
            return wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public static byte[]? UnwrapEcdh(ECDiffieHellman recipient, byte[] wrapped, ReadOnlySpan<byte> associatedData)
    {
        if (wrapped.Length != EcdhWrappedLength || wrapped[0] != 0x04)
        {
            return null;
        }

        byte[] shared;
        try
        {
            using ECDiffieHellman ephemeral = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = wrapped[1..33], Y = wrapped[33..65] },
            });
            shared = recipient.DeriveRawSecretAgreement(ephemeral.PublicKey);
        }
        catch (CryptographicException)
        {
            return null;
        }

        byte[] kek = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, wrapped[..EcPointLength], HkdfInfo.ToArray());
        try
        {
            return OpenGcm(kek, stackalloc byte[EnvelopeHeader.NonceLength], wrapped.AsSpan(EcPointLength), associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public static byte[] WrapSymmetric(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData)
    {
        byte[] wrapped = new byte[SymmetricWrappedLength];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, EnvelopeHeader.NonceLength));
        using AesGcm gcm = new(kek, EnvelopeHeader.TagLength);
        gcm.Encrypt(wrapped.AsSpan(0, 12), dataKey, wrapped.AsSpan(12, 32), wrapped.AsSpan(44), associatedData);
        return wrapped;
    }

    public static byte[]? UnwrapSymmetric(ReadOnlySpan<byte> kek, byte[] wrapped, ReadOnlySpan<byte> associatedData) =>
        wrapped.Length == SymmetricWrappedLength ? OpenGcm(kek, wrapped.AsSpan(0, 12), wrapped.AsSpan(12), associatedData) : null;

    private static byte[]? OpenGcm(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedKey, ReadOnlySpan<byte> associatedData)
    {
        byte[] key = new byte[EnvelopeHeader.DataKeyLength];
        try
        {
            using AesGcm gcm = new(kek, EnvelopeHeader.TagLength);
            gcm.Decrypt(nonce, sealedKey[..32], sealedKey[32..], key, associatedData);
            return key;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
