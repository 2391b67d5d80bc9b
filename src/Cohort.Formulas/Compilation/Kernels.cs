using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cohort.Formulas.Compilation;

/// <summary>An element-wise operation on two values, with a SIMD form that gives the same results as the scalar one.</summary>
internal interface IBinaryKernel
{
    static abstract Vector<double> Invoke(Vector<double> a, Vector<double> b);

    static abstract double Invoke(double a, double b);
}

/// <summary>An element-wise operation on one value, with a SIMD form.</summary>
internal interface IUnaryKernel
{
    static abstract Vector<double> Invoke(Vector<double> a);

    static abstract double Invoke(double a);
}

/// <summary>The loops that run kernels over spans: whole vectors first, then the remaining rows one by one.</summary>
internal static class Kernels
{
    public static void Binary<TKernel>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> result)
        where TKernel : IBinaryKernel
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            var vr = MemoryMarshal.Cast<double, Vector<double>>(result);
            var n = Math.Min(va.Length, Math.Min(vb.Length, vr.Length));
            for (var v = 0; v < n; v++)
            {
                vr[v] = TKernel.Invoke(va[v], vb[v]);
            }

            i = n * Vector<double>.Count;
        }

        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a[i], b[i]);
        }
    }

    public static void BinaryScalarRight<TKernel>(ReadOnlySpan<double> a, double b, Span<double> result)
        where TKernel : IBinaryKernel
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vb = new Vector<double>(b);
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vr = MemoryMarshal.Cast<double, Vector<double>>(result);
            var n = Math.Min(va.Length, vr.Length);
            for (var v = 0; v < n; v++)
            {
                vr[v] = TKernel.Invoke(va[v], vb);
            }

            i = n * Vector<double>.Count;
        }

        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a[i], b);
        }
    }

    public static void BinaryScalarLeft<TKernel>(double a, ReadOnlySpan<double> b, Span<double> result)
        where TKernel : IBinaryKernel
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<double>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            var vr = MemoryMarshal.Cast<double, Vector<double>>(result);
            var n = Math.Min(vb.Length, vr.Length);
            for (var v = 0; v < n; v++)
            {
                vr[v] = TKernel.Invoke(va, vb[v]);
            }

            i = n * Vector<double>.Count;
        }

        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a, b[i]);
        }
    }

    public static void Unary<TKernel>(ReadOnlySpan<double> a, Span<double> result)
        where TKernel : IUnaryKernel
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vr = MemoryMarshal.Cast<double, Vector<double>>(result);
            var n = Math.Min(va.Length, vr.Length);
            for (var v = 0; v < n; v++)
            {
                vr[v] = TKernel.Invoke(va[v]);
            }

            i = n * Vector<double>.Count;
        }

        for (; i < result.Length; i++)
        {
            result[i] = TKernel.Invoke(a[i]);
        }
    }

    public static void If(ReadOnlySpan<double> condition, ReadOnlySpan<double> then, ReadOnlySpan<double> otherwise, Span<double> result)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vc = MemoryMarshal.Cast<double, Vector<double>>(condition);
            var vt = MemoryMarshal.Cast<double, Vector<double>>(then);
            var vo = MemoryMarshal.Cast<double, Vector<double>>(otherwise);
            var vr = MemoryMarshal.Cast<double, Vector<double>>(result);
            var n = Math.Min(Math.Min(vc.Length, vt.Length), Math.Min(vo.Length, vr.Length));
            for (var v = 0; v < n; v++)
            {
                vr[v] = If(vc[v], vt[v], vo[v]);
            }

            i = n * Vector<double>.Count;
        }

        for (; i < result.Length; i++)
        {
            result[i] = ScalarOps.If(condition[i], then[i], otherwise[i]);
        }
    }

    /// <summary><c>if</c> on whole vectors: missing where the condition is, else the branch the condition picks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> If(Vector<double> condition, Vector<double> then, Vector<double> otherwise)
    {
        var picked = Vector.ConditionalSelect(Vector.Equals(condition, Vector<double>.Zero), otherwise, then);
        return Vector.ConditionalSelect(Vector.Equals(condition, condition), picked, new Vector<double>(double.NaN));
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> Valid(Vector<long> bothPresent, Vector<double> value) =>
        Vector.ConditionalSelect(bothPresent, value, new Vector<double>(double.NaN));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<long> Present(Vector<double> a, Vector<double> b) => Vector.Equals(a, a) & Vector.Equals(b, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> Bool(Vector<long> mask) =>
        Vector.ConditionalSelect(mask, Vector<double>.One, Vector<double>.Zero);
}

internal readonly struct AddKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => a + b;

    public static double Invoke(double a, double b) => a + b;
}

internal readonly struct SubtractKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => a - b;

    public static double Invoke(double a, double b) => a - b;
}

internal readonly struct MultiplyKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => a * b;

    public static double Invoke(double a, double b) => a * b;
}

internal readonly struct DivideKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) =>
        Vector.ConditionalSelect(Vector.Equals(b, Vector<double>.Zero), new Vector<double>(double.NaN), a / b);

    public static double Invoke(double a, double b) => ScalarOps.Divide(a, b);
}

/// <summary>Division by a constant that is not zero (the fused kernel's form of <see cref="DivideKernel"/> then).</summary>
internal readonly struct NonZeroDivideKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => a / b;

    public static double Invoke(double a, double b) => a / b;
}

internal readonly struct MinKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Vector.Min(a, b);

    public static double Invoke(double a, double b) => Math.Min(a, b);
}

internal readonly struct MaxKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Vector.Max(a, b);

    public static double Invoke(double a, double b) => Math.Max(a, b);
}

internal readonly struct CoalesceKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Vector.ConditionalSelect(Vector.Equals(a, a), a, b);

    public static double Invoke(double a, double b) => ScalarOps.Coalesce(a, b);
}

internal readonly struct LessKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(Vector.LessThan(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.Less(a, b);
}

internal readonly struct LessOrEqualKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(Vector.LessThanOrEqual(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.LessOrEqual(a, b);
}

internal readonly struct GreaterKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(Vector.GreaterThan(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.Greater(a, b);
}

internal readonly struct GreaterOrEqualKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(Vector.GreaterThanOrEqual(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.GreaterOrEqual(a, b);
}

internal readonly struct EqualKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(Vector.Equals(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.Equal(a, b);
}

internal readonly struct NotEqualKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) => Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(~Vector.Equals(a, b)));

    public static double Invoke(double a, double b) => ScalarOps.NotEqual(a, b);
}

internal readonly struct AndKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) =>
        Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(~Vector.Equals(a, Vector<double>.Zero) & ~Vector.Equals(b, Vector<double>.Zero)));

    public static double Invoke(double a, double b) => ScalarOps.And(a, b);
}

internal readonly struct OrKernel : IBinaryKernel
{
    public static Vector<double> Invoke(Vector<double> a, Vector<double> b) =>
        Kernels.Valid(Kernels.Present(a, b), Kernels.Bool(~Vector.Equals(a, Vector<double>.Zero) | ~Vector.Equals(b, Vector<double>.Zero)));

    public static double Invoke(double a, double b) => ScalarOps.Or(a, b);
}

internal readonly struct NegateKernel : IUnaryKernel
{
    public static Vector<double> Invoke(Vector<double> a) => -a;

    public static double Invoke(double a) => -a;
}

internal readonly struct AbsKernel : IUnaryKernel
{
    public static Vector<double> Invoke(Vector<double> a) => Vector.Abs(a);

    public static double Invoke(double a) => Math.Abs(a);
}

internal readonly struct SqrtKernel : IUnaryKernel
{
    public static Vector<double> Invoke(Vector<double> a) => Vector.SquareRoot(a);

    public static double Invoke(double a) => Math.Sqrt(a);
}

internal readonly struct FloorKernel : IUnaryKernel
{
    public static Vector<double> Invoke(Vector<double> a) => Vector.Floor(a);

    public static double Invoke(double a) => Math.Floor(a);
}

internal readonly struct CeilingKernel : IUnaryKernel
{
    public static Vector<double> Invoke(Vector<double> a) => Vector.Ceiling(a);

    public static double Invoke(double a) => Math.Ceiling(a);
}

internal readonly struct NotKernel : IUnaryKernel
{
    public static Vector<double> Invoke(Vector<double> a) =>
        Kernels.Valid(Vector.Equals(a, a), Kernels.Bool(Vector.Equals(a, Vector<double>.Zero)));

    public static double Invoke(double a) => ScalarOps.Not(a);
}
