using System.Numerics;
using System.Security.Cryptography;

namespace Cohort.Encryption.Beiwe;

/// <summary>
/// Textbook ("raw", no padding) RSA as Beiwe's phone apps use it to wrap the per-file AES key. .NET's <see cref="RSA"/>
/// has no raw mode, so this computes <c>c^d mod n</c> with <see cref="BigInteger.ModPow"/> through the CRT parameters.
/// </summary>
/// <remarks>
/// <see cref="BigInteger.ModPow"/> is not constant-time. Two measures limit what timing reveals: the ciphertext is
/// blinded with a fresh random <c>r</c> (<c>c·r^e</c>, unblinded with <c>r^-1</c> afterwards), so the exponentiation
/// never runs on an attacker-chosen value; and the result is checked with the public exponent, so a CRT fault cannot
/// leak a factor. The private parameters live in managed <see cref="BigInteger"/>s, which cannot be zeroed.
/// </remarks>
internal sealed class RawRsaKey
{
    private readonly BigInteger _n;
    private readonly BigInteger _e;
    private readonly BigInteger _p;
    private readonly BigInteger _q;
    private readonly BigInteger _dp;
    private readonly BigInteger _dq;
    private readonly BigInteger _qInv;

    private RawRsaKey(RSAParameters parameters, bool includePrivate)
    {
        _n = ToInteger(parameters.Modulus!);
        _e = ToInteger(parameters.Exponent!);
        ModulusLength = parameters.Modulus!.Length;
        if (includePrivate)
        {
            _p = ToInteger(parameters.P!);
            _q = ToInteger(parameters.Q!);
            _dp = ToInteger(parameters.DP!);
            _dq = ToInteger(parameters.DQ!);
            _qInv = ToInteger(parameters.InverseQ!);
        }
    }

    /// <summary>The modulus size in bytes (256 for RSA-2048).</summary>
    public int ModulusLength { get; }

    public static RawRsaKey FromPrivateKey(RSA key)
    {
        RSAParameters parameters = key.ExportParameters(includePrivateParameters: true);
        try
        {
            if (parameters.P is null || parameters.Q is null || parameters.DP is null || parameters.DQ is null || parameters.InverseQ is null)
            {
                throw new ArgumentException("The RSA key has no CRT private parameters.", nameof(key));
            }

            return new RawRsaKey(parameters, includePrivate: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
    }

    public static RawRsaKey FromPublicKey(RSA key) => new(key.ExportParameters(includePrivateParameters: false), includePrivate: false);

    /// <summary>Raw public operation <c>m^e mod n</c>, big-endian, left-padded to the modulus length.</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> message)
    {
        BigInteger m = new(message, isUnsigned: true, isBigEndian: true);
        if (m >= _n)
        {
            throw new ArgumentException("The message is not smaller than the modulus.", nameof(message));
        }

        return ToFixedBytes(BigInteger.ModPow(m, _e, _n));
    }

    /// <summary>Raw private operation <c>c^d mod n</c>, or null when <paramref name="ciphertext"/> is not below the modulus.</summary>
    public byte[]? Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        BigInteger c = new(ciphertext, isUnsigned: true, isBigEndian: true);
        if (c >= _n || c.IsZero)
        {
            return null;
        }

        BigInteger r = RandomUnit(out BigInteger rInverse);
        BigInteger blinded = c * BigInteger.ModPow(r, _e, _n) % _n;
        BigInteger m1 = BigInteger.ModPow(blinded % _p, _dp, _p);
        BigInteger m2 = BigInteger.ModPow(blinded % _q, _dq, _q);
        BigInteger h = _qInv * (m1 - m2) % _p;
        if (h.Sign < 0)
        {
            h += _p;
        }

        BigInteger m = (m2 + (h * _q)) * rInverse % _n;
        if (BigInteger.ModPow(m, _e, _n) != c)
        {
            throw new CryptographicException("Raw RSA self-check failed.");
        }

        return ToFixedBytes(m);
    }

    private BigInteger RandomUnit(out BigInteger inverse)
    {
        Span<byte> buffer = stackalloc byte[ModulusLength];
        while (true)
        {
            RandomNumberGenerator.Fill(buffer);
            BigInteger r = new BigInteger(buffer, isUnsigned: true, isBigEndian: true) % _n;
            if (r > BigInteger.One && TryInvert(r, _n, out inverse))
            {
                return r;
            }
        }
    }

    private static bool TryInvert(BigInteger value, BigInteger modulus, out BigInteger inverse)
    {
        BigInteger t = BigInteger.Zero, newT = BigInteger.One, r = modulus, newR = value;
        while (!newR.IsZero)
        {
            BigInteger quotient = r / newR;
            (t, newT) = (newT, t - (quotient * newT));
            (r, newR) = (newR, r - (quotient * newR));
        }

        inverse = t.Sign < 0 ? t + modulus : t;
        return r.IsOne;
    }

    private byte[] ToFixedBytes(BigInteger value)
    {
        byte[] result = new byte[ModulusLength];
        int count = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(result.AsSpan(ModulusLength - count), out _, isUnsigned: true, isBigEndian: true);
        return result;
    }

    private static BigInteger ToInteger(byte[] bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);
}
