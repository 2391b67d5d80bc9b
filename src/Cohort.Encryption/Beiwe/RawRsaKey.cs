using System.Numerics;
using System.Security.Cryptography;

namespace Cohort.Encryption.Beiwe;

/// <summary>
/// Textbook ("raw", no padding) RSA as Beiwe's phone apps use it to wrap the per-file AES key. .NET's <see cref="RSA"/>
/// has no raw mode, so this computes <c>c^d mod n</c> with <see cref="BigInteger.ModPow"/> through the CRT parameters.
/// </summary>
/// <remarks>
/// <see cref="BigInteger.ModPow"/> is variable-time (and slow), so the two CRT exponentiations, which are where the
/// secret exponent is used, run in <see cref="MontgomeryModulus"/>: fixed-window, masked table reads, masked final
/// subtraction. The exponent is also blinded per call (<c>dP + k·(p−1)</c> with a random 64-bit <c>k</c>), and the
/// result is checked with the public exponent, so a CRT fault cannot leak a factor. The reductions and the CRT
/// recombination use <see cref="BigInteger"/> and are variable-time in the operand lengths only. The private
/// parameters live in managed arrays, which the GC may copy and which cannot be reliably zeroed.
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
    private readonly MontgomeryModulus? _montP;
    private readonly MontgomeryModulus? _montQ;
    private readonly MontgomeryModulus _montN;

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
            _montP = new MontgomeryModulus(_p);
            _montQ = new MontgomeryModulus(_q);
        }

        _montN = new MontgomeryModulus(_n);
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

        return ToFixedBytes(_montN.Pow(m, _e));
    }

    /// <summary>Raw private operation <c>c^d mod n</c>, or null when <paramref name="ciphertext"/> is not below the modulus.</summary>
    public byte[]? Decrypt(ReadOnlySpan<byte> ciphertext)
    {
        BigInteger c = new(ciphertext, isUnsigned: true, isBigEndian: true);
        if (c >= _n || c.IsZero)
        {
            return null;
        }

        BigInteger m1 = _montP!.Pow(c % _p, BlindExponent(_dp, _p));
        BigInteger m2 = _montQ!.Pow(c % _q, BlindExponent(_dq, _q));
        BigInteger h = _qInv * (m1 - m2) % _p;
        if (h.Sign < 0)
        {
            h += _p;
        }

        BigInteger m = m2 + (h * _q);
        if (_montN.Pow(m, _e) != c)
        {
            throw new CryptographicException("Raw RSA self-check failed.");
        }

        return ToFixedBytes(m);
    }

    private static BigInteger BlindExponent(BigInteger exponent, BigInteger prime)
    {
        Span<byte> k = stackalloc byte[8];
        RandomNumberGenerator.Fill(k);
        return exponent + (new BigInteger(k, isUnsigned: true) * (prime - BigInteger.One));
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
