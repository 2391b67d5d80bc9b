using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cohort.Encryption.Beiwe;

/// <summary>
/// Modular exponentiation for an odd modulus in Montgomery form with 64-bit limbs. The exponentiation uses a fixed
/// 4-bit window: the same sequence of multiplications for every exponent of a given length, table entries read by a
/// masked scan of the whole table (no secret-dependent index), and the final conditional subtraction done with a mask
/// (no secret-dependent branch). Written because <see cref="BigInteger.ModPow"/> is both variable-time and slow.
/// </summary>
internal sealed class MontgomeryModulus
{
    private readonly ulong[] _m;
    private readonly ulong _m0Inverse;
    private readonly ulong[] _r2;
    private readonly ulong[] _one;
    private readonly int _n;

    public MontgomeryModulus(BigInteger modulus)
    {
        if (modulus.Sign <= 0 || modulus.IsEven)
        {
            throw new ArgumentException("The modulus must be odd and positive.", nameof(modulus));
        }

        _n = (int)((modulus.GetBitLength() + 63) / 64);
        _m = ToLimbs(modulus, _n);
        ulong inverse = 1;
        for (int i = 0; i < 6; i++)
        {
            inverse *= 2 - (_m[0] * inverse);
        }

        _m0Inverse = 0 - inverse;
        BigInteger r = BigInteger.One << (64 * _n);
        _r2 = ToLimbs(r * r % modulus, _n);
        _one = ToLimbs(r % modulus, _n);
        Modulus = modulus;
    }

    public BigInteger Modulus { get; }

    /// <summary><paramref name="value"/>^<paramref name="exponent"/> mod m, for 0 ≤ value &lt; m.</summary>
    public BigInteger Pow(BigInteger value, BigInteger exponent)
    {
        int n = _n;
        ulong[] scratch = new ulong[n + 2];
        ulong[] table = new ulong[16 * n];
        ulong[] x = ToLimbs(value, n);
        _one.CopyTo(table, 0);
        MontMul(x, _r2, table.AsSpan(n, n), scratch);
        for (int i = 2; i < 16; i++)
        {
            MontMul(table.AsSpan((i - 1) * n, n), table.AsSpan(n, n), table.AsSpan(i * n, n), scratch);
        }

        byte[] e = exponent.ToByteArray(isUnsigned: true, isBigEndian: true);
        ulong[] acc = (ulong[])_one.Clone();
        ulong[] selected = new ulong[n];
        foreach (byte b in e)
        {
            for (int half = 0; half < 2; half++)
            {
                int nibble = half == 0 ? b >> 4 : b & 0x0F;
                for (int s = 0; s < 4; s++)
                {
                    MontMul(acc, acc, acc, scratch);
                }

                Select(table, nibble, selected);
                MontMul(acc, selected, acc, scratch);
            }
        }

        ulong[] plainOne = new ulong[n];
        plainOne[0] = 1;
        MontMul(acc, plainOne, acc, scratch);
        Array.Clear(table);
        return FromLimbs(acc);
    }

    /// <summary>Copies table entry <paramref name="index"/> by reading every entry and masking.</summary>
    private void Select(ulong[] table, int index, ulong[] destination)
    {
        int n = _n;
        Array.Clear(destination);
        for (int i = 0; i < 16; i++)
        {
            ulong mask = 0 - (ulong)(((uint)(i ^ index) - 1) >> 31);
            for (int j = 0; j < n; j++)
            {
                destination[j] |= table[(i * n) + j] & mask;
            }
        }
    }

    /// <summary>result = a·b·R⁻¹ mod m (CIOS); result may alias a or b.</summary>
    private void MontMul(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result, ulong[] scratch)
    {
        int n = _n;
        ref ulong ra = ref MemoryMarshal.GetReference(a);
        ref ulong rm = ref MemoryMarshal.GetArrayDataReference(_m);
        ref ulong t = ref MemoryMarshal.GetArrayDataReference(scratch);
        Array.Clear(scratch);
        for (int i = 0; i < n; i++)
        {
            ulong carry = 0;
            ulong bi = b[i];
            for (int j = 0; j < n; j++)
            {
                ref ulong tj = ref Unsafe.Add(ref t, j);
                UInt128 product = ((UInt128)Unsafe.Add(ref ra, j) * bi) + tj + carry;
                tj = (ulong)product;
                carry = (ulong)(product >> 64);
            }

            UInt128 top = (UInt128)Unsafe.Add(ref t, n) + carry;
            Unsafe.Add(ref t, n) = (ulong)top;
            Unsafe.Add(ref t, n + 1) = (ulong)(top >> 64);

            ulong q = t * _m0Inverse;
            UInt128 first = ((UInt128)q * rm) + t;
            carry = (ulong)(first >> 64);
            for (int j = 1; j < n; j++)
            {
                UInt128 product = ((UInt128)q * Unsafe.Add(ref rm, j)) + Unsafe.Add(ref t, j) + carry;
                Unsafe.Add(ref t, j - 1) = (ulong)product;
                carry = (ulong)(product >> 64);
            }

            top = (UInt128)Unsafe.Add(ref t, n) + carry;
            Unsafe.Add(ref t, n - 1) = (ulong)top;
            Unsafe.Add(ref t, n) = Unsafe.Add(ref t, n + 1) + (ulong)(top >> 64);
        }

        // Subtract m once when t >= m, choosing by mask rather than by branch.
        ulong borrow = 0;
        Span<ulong> difference = stackalloc ulong[n];
        for (int j = 0; j < n; j++)
        {
            ulong tj = Unsafe.Add(ref t, j);
            ulong mj = Unsafe.Add(ref rm, j);
            ulong d = tj - mj;
            ulong b1 = tj < mj ? 1UL : 0UL;
            ulong d2 = d - borrow;
            ulong b2 = d < borrow ? 1UL : 0UL;
            difference[j] = d2;
            borrow = b1 | b2;
        }

        // Keep the difference when there was no final borrow, or when t had a carry limb.
        ulong keepDifference = 0 - ((borrow ^ 1UL) | Unsafe.Add(ref t, n));
        for (int j = 0; j < n; j++)
        {
            result[j] = (difference[j] & keepDifference) | (Unsafe.Add(ref t, j) & ~keepDifference);
        }
    }

    private static ulong[] ToLimbs(BigInteger value, int n)
    {
        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        ulong[] limbs = new ulong[n];
        for (int i = 0; i < bytes.Length && i < n * 8; i++)
        {
            limbs[i / 8] |= (ulong)bytes[i] << (8 * (i % 8));
        }

        return limbs;
    }

    private static BigInteger FromLimbs(ulong[] limbs)
    {
        byte[] bytes = new byte[limbs.Length * 8];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(limbs[i / 8] >> (8 * (i % 8)));
        }

        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }
}
