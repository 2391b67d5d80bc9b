using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cohort.Formulas.Compilation;

/// <summary>An element-wise operation on two values, with a SIMD form (at any width) that gives the same results as the scalar one.</summary>
internal interface IBinaryKernel
{
    static abstract TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector>;

    static abstract double Invoke(double a, double b);
}

/// <summary>An element-wise operation on one value, with a SIMD form (at any width).</summary>
internal interface IUnaryKernel
{
    static abstract TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector>;

    static abstract double Invoke(double a);
}

/// <summary>
/// The loops that run kernels over spans (the chunked evaluator's): whole vectors of the machine's widest accelerated
/// width first (<see cref="Simd.Preferred"/>, a JIT-time constant, so the switch folds away), then the remaining rows
/// one by one.
/// </summary>
internal static class Kernels
{
    public static void Binary<TKernel>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> result)
        where TKernel : IBinaryKernel
    {
        var i = Simd.Preferred switch
        {
            SimdWidth.Bits512 => Binary<TKernel, Vector512<double>, Simd512>(a, b, result),
            SimdWidth.Bits256 => Binary<TKernel, Vector256<double>, Simd256>(a, b, result),
            SimdWidth.Bits128 => Binary<TKernel, Vector128<double>, Simd128>(a, b, result),
            _ => 0,
        };
        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a[i], b[i]);
        }
    }

    public static void BinaryScalarRight<TKernel>(ReadOnlySpan<double> a, double b, Span<double> result)
        where TKernel : IBinaryKernel
    {
        var i = Simd.Preferred switch
        {
            SimdWidth.Bits512 => BinaryScalarRight<TKernel, Vector512<double>, Simd512>(a, b, result),
            SimdWidth.Bits256 => BinaryScalarRight<TKernel, Vector256<double>, Simd256>(a, b, result),
            SimdWidth.Bits128 => BinaryScalarRight<TKernel, Vector128<double>, Simd128>(a, b, result),
            _ => 0,
        };
        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a[i], b);
        }
    }

    public static void BinaryScalarLeft<TKernel>(double a, ReadOnlySpan<double> b, Span<double> result)
        where TKernel : IBinaryKernel
    {
        var i = Simd.Preferred switch
        {
            SimdWidth.Bits512 => BinaryScalarLeft<TKernel, Vector512<double>, Simd512>(a, b, result),
            SimdWidth.Bits256 => BinaryScalarLeft<TKernel, Vector256<double>, Simd256>(a, b, result),
            SimdWidth.Bits128 => BinaryScalarLeft<TKernel, Vector128<double>, Simd128>(a, b, result),
            _ => 0,
        };
        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a, b[i]);
        }
    }

    public static void Unary<TKernel>(ReadOnlySpan<double> a, Span<double> result)
        where TKernel : IUnaryKernel
    {
        var i = Simd.Preferred switch
        {
            SimdWidth.Bits512 => Unary<TKernel, Vector512<double>, Simd512>(a, result),
            SimdWidth.Bits256 => Unary<TKernel, Vector256<double>, Simd256>(a, result),
            SimdWidth.Bits128 => Unary<TKernel, Vector128<double>, Simd128>(a, result),
            _ => 0,
        };
        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a[i]);
        }
    }

    public static void If(ReadOnlySpan<double> condition, ReadOnlySpan<double> then, ReadOnlySpan<double> otherwise, Span<double> result)
    {
        var i = Simd.Preferred switch
        {
            SimdWidth.Bits512 => If<Vector512<double>, Simd512>(condition, then, otherwise, result),
            SimdWidth.Bits256 => If<Vector256<double>, Simd256>(condition, then, otherwise, result),
            SimdWidth.Bits128 => If<Vector128<double>, Simd128>(condition, then, otherwise, result),
            _ => 0,
        };
        for (; i < result.Length; i++)
        {
            result[i] = ScalarOps.If(condition[i], then[i], otherwise[i]);
        }
    }

    /// <summary><c>if</c> on whole vectors: missing where the condition is, else the branch the condition picks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector If<TVector, TSimd>(TVector condition, TVector then, TVector otherwise)
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        var picked = TSimd.Select(TSimd.Equal(condition, TSimd.Create(0)), otherwise, then);
        return TSimd.Select(TSimd.Equal(condition, condition), picked, TSimd.Create(double.NaN));
    }

    /// <summary>Sets <paramref name="validity"/>[i] to whether <paramref name="values"/>[i] is present; returns how many are.</summary>
    public static int Validity(ReadOnlySpan<double> values, Span<bool> validity)
    {
        var count = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var valid = !double.IsNaN(values[i]);
            validity[i] = valid;
            count += valid ? 1 : 0;
        }

        return count;
    }

    /// <summary>The value where the mask is set, missing elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Valid<TVector, TSimd>(TVector mask, TVector value)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Select(mask, value, TSimd.Create(double.NaN));

    /// <summary>The lanes where both values are present (NaN is the only value not equal to itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Present<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.And(TSimd.Equal(a, a), TSimd.Equal(b, b));

    /// <summary>1 where the mask is set, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Bool<TVector, TSimd>(TVector mask)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Select(mask, TSimd.Create(1), TSimd.Create(0));

    /// <summary>A comparison's result: 1 or 0 where both operands are present, missing elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Compare<TVector, TSimd>(TVector a, TVector b, TVector holds)
        where TVector : struct
        where TSimd : ISimd<TVector> => Valid<TVector, TSimd>(Present<TVector, TSimd>(a, b), Bool<TVector, TSimd>(holds));

    // The vector loops: each returns how many rows it did (a whole number of vectors); the caller does the rest.
    private static int Binary<TKernel, TVector, TSimd>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> result)
        where TKernel : IBinaryKernel
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        var whole = Whole<TSimd, TVector>(Math.Min(result.Length, Math.Min(a.Length, b.Length)));
        ref readonly var x = ref MemoryMarshal.GetReference(a);
        ref readonly var y = ref MemoryMarshal.GetReference(b);
        ref var r = ref MemoryMarshal.GetReference(result);
        for (nuint i = 0; i < whole; i += (nuint)TSimd.Count)
        {
            TSimd.Store(TKernel.Invoke<TVector, TSimd>(TSimd.Load(in x, i), TSimd.Load(in y, i)), ref r, i);
        }

        return (int)whole;
    }

    private static int BinaryScalarRight<TKernel, TVector, TSimd>(ReadOnlySpan<double> a, double b, Span<double> result)
        where TKernel : IBinaryKernel
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        var whole = Whole<TSimd, TVector>(Math.Min(result.Length, a.Length));
        var y = TSimd.Create(b);
        ref readonly var x = ref MemoryMarshal.GetReference(a);
        ref var r = ref MemoryMarshal.GetReference(result);
        for (nuint i = 0; i < whole; i += (nuint)TSimd.Count)
        {
            TSimd.Store(TKernel.Invoke<TVector, TSimd>(TSimd.Load(in x, i), y), ref r, i);
        }

        return (int)whole;
    }

    private static int BinaryScalarLeft<TKernel, TVector, TSimd>(double a, ReadOnlySpan<double> b, Span<double> result)
        where TKernel : IBinaryKernel
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        var whole = Whole<TSimd, TVector>(Math.Min(result.Length, b.Length));
        var x = TSimd.Create(a);
        ref readonly var y = ref MemoryMarshal.GetReference(b);
        ref var r = ref MemoryMarshal.GetReference(result);
        for (nuint i = 0; i < whole; i += (nuint)TSimd.Count)
        {
            TSimd.Store(TKernel.Invoke<TVector, TSimd>(x, TSimd.Load(in y, i)), ref r, i);
        }

        return (int)whole;
    }

    private static int Unary<TKernel, TVector, TSimd>(ReadOnlySpan<double> a, Span<double> result)
        where TKernel : IUnaryKernel
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        var whole = Whole<TSimd, TVector>(Math.Min(result.Length, a.Length));
        ref readonly var x = ref MemoryMarshal.GetReference(a);
        ref var r = ref MemoryMarshal.GetReference(result);
        for (nuint i = 0; i < whole; i += (nuint)TSimd.Count)
        {
            TSimd.Store(TKernel.Invoke<TVector, TSimd>(TSimd.Load(in x, i)), ref r, i);
        }

        return (int)whole;
    }

    private static int If<TVector, TSimd>(ReadOnlySpan<double> condition, ReadOnlySpan<double> then, ReadOnlySpan<double> otherwise, Span<double> result)
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        var whole = Whole<TSimd, TVector>(Math.Min(Math.Min(condition.Length, then.Length), Math.Min(otherwise.Length, result.Length)));
        ref readonly var c = ref MemoryMarshal.GetReference(condition);
        ref readonly var t = ref MemoryMarshal.GetReference(then);
        ref readonly var o = ref MemoryMarshal.GetReference(otherwise);
        ref var r = ref MemoryMarshal.GetReference(result);
        for (nuint i = 0; i < whole; i += (nuint)TSimd.Count)
        {
            TSimd.Store(If<TVector, TSimd>(TSimd.Load(in c, i), TSimd.Load(in t, i), TSimd.Load(in o, i)), ref r, i);
        }

        return (int)whole;
    }

    /// <summary>The rows of <paramref name="rows"/> that fill whole vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint Whole<TSimd, TVector>(int rows)
        where TVector : struct
        where TSimd : ISimd<TVector> => (nuint)(rows - (rows % TSimd.Count));
}

internal readonly struct AddKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Add(a, b);

    public static double Invoke(double a, double b) => a + b;
}

internal readonly struct SubtractKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Subtract(a, b);

    public static double Invoke(double a, double b) => a - b;
}

internal readonly struct MultiplyKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Multiply(a, b);

    public static double Invoke(double a, double b) => a * b;
}

internal readonly struct DivideKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> =>
        TSimd.Select(TSimd.Equal(b, TSimd.Create(0)), TSimd.Create(double.NaN), TSimd.Divide(a, b));

    public static double Invoke(double a, double b) => ScalarOps.Divide(a, b);
}

/// <summary>Division by a constant that is not zero (the fused kernel's form of <see cref="DivideKernel"/> then).</summary>
internal readonly struct NonZeroDivideKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Divide(a, b);

    public static double Invoke(double a, double b) => a / b;
}

internal readonly struct MinKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Min(a, b);

    public static double Invoke(double a, double b) => Math.Min(a, b);
}

internal readonly struct MaxKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Max(a, b);

    public static double Invoke(double a, double b) => Math.Max(a, b);
}

internal readonly struct CoalesceKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Select(TSimd.Equal(a, a), a, b);

    public static double Invoke(double a, double b) => ScalarOps.Coalesce(a, b);
}

internal readonly struct LessKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => Kernels.Compare<TVector, TSimd>(a, b, TSimd.LessThan(a, b));

    public static double Invoke(double a, double b) => ScalarOps.Less(a, b);
}

internal readonly struct LessOrEqualKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => Kernels.Compare<TVector, TSimd>(a, b, TSimd.LessThanOrEqual(a, b));

    public static double Invoke(double a, double b) => ScalarOps.LessOrEqual(a, b);
}

internal readonly struct GreaterKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => Kernels.Compare<TVector, TSimd>(a, b, TSimd.GreaterThan(a, b));

    public static double Invoke(double a, double b) => ScalarOps.Greater(a, b);
}

internal readonly struct GreaterOrEqualKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => Kernels.Compare<TVector, TSimd>(a, b, TSimd.GreaterThanOrEqual(a, b));

    public static double Invoke(double a, double b) => ScalarOps.GreaterOrEqual(a, b);
}

internal readonly struct EqualKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => Kernels.Compare<TVector, TSimd>(a, b, TSimd.Equal(a, b));

    public static double Invoke(double a, double b) => ScalarOps.Equal(a, b);
}

internal readonly struct NotEqualKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> => Kernels.Compare<TVector, TSimd>(a, b, TSimd.Not(TSimd.Equal(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.NotEqual(a, b);
}

internal readonly struct AndKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> =>
        Kernels.Compare<TVector, TSimd>(a, b, TSimd.And(TSimd.Not(TSimd.Equal(a, TSimd.Create(0))), TSimd.Not(TSimd.Equal(b, TSimd.Create(0)))));

    public static double Invoke(double a, double b) => ScalarOps.And(a, b);
}

internal readonly struct OrKernel : IBinaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a, TVector b)
        where TVector : struct
        where TSimd : ISimd<TVector> =>
        Kernels.Compare<TVector, TSimd>(a, b, TSimd.Or(TSimd.Not(TSimd.Equal(a, TSimd.Create(0))), TSimd.Not(TSimd.Equal(b, TSimd.Create(0)))));

    public static double Invoke(double a, double b) => ScalarOps.Or(a, b);
}

internal readonly struct NegateKernel : IUnaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Negate(a);

    public static double Invoke(double a) => -a;
}

internal readonly struct AbsKernel : IUnaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Abs(a);

    public static double Invoke(double a) => Math.Abs(a);
}

internal readonly struct SqrtKernel : IUnaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Sqrt(a);

    public static double Invoke(double a) => Math.Sqrt(a);
}

internal readonly struct FloorKernel : IUnaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Floor(a);

    public static double Invoke(double a) => Math.Floor(a);
}

internal readonly struct CeilingKernel : IUnaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector> => TSimd.Ceiling(a);

    public static double Invoke(double a) => Math.Ceiling(a);
}

internal readonly struct NotKernel : IUnaryKernel
{
    public static TVector Invoke<TVector, TSimd>(TVector a)
        where TVector : struct
        where TSimd : ISimd<TVector> =>
        Kernels.Valid<TVector, TSimd>(TSimd.Equal(a, a), Kernels.Bool<TVector, TSimd>(TSimd.Equal(a, TSimd.Create(0))));

    public static double Invoke(double a) => ScalarOps.Not(a);
}
