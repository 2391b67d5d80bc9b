using System.Linq.Dynamic.Core;
using System.Linq.Expressions;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Cohort.Formulas;
using Cohort.Formulas.Compilation;

namespace Cohort.Benchmarks;

/// <summary>
/// 1M aligned rows of 3 inputs: <c>pos(a) + 0.5*b - neg(c)</c> and a 26-node formula, through our batch evaluator
/// (fused SIMD kernel), our scalar delegate, a hand-written loop (the floor), System.Linq.Dynamic.Core compiled
/// lambdas (the .NET peer: one delegate call per row) and, for reference, the same arithmetic as a chain of
/// TensorPrimitives calls over whole columns (what a .NET user vectorizing by hand would write), the fused kernel held
/// to 256-bit vectors (what it ran at before it used AVX-512), and the memory-traffic floor (the least any evaluator
/// of these inputs must do: read three columns, write one).
/// Refresh the docs/performance.md table with:
/// <c>nice -n 5 dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter '*FormulaBenchmarks*' --job short --inProcess --iterationCount 15</c>
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public class FormulaBenchmarks
{
    private const int Rows = 1_000_000;
    private const string Small = "pos(d.a) + 0.5 * d.b - neg(d.c)";
    private const string Large = "max(d.a, 0) * 2 + abs(d.b - d.c) / 3 - min(d.c, 1) * 0.25 + sqrt(abs(d.a)) + d.b * d.c";

    private double[] _a = [];
    private double[] _b = [];
    private double[] _c = [];
    private double[] _output = [];
    private double[] _row = new double[3];
    private double[] _scratch1 = [];
    private double[] _scratch2 = [];
    private CompiledFormula _small = null!;
    private CompiledFormula _large = null!;
    private FusedKernel? _small256;
    private FusedKernel? _large256;
    private Func<double, double, double, double> _peerSmall = null!;
    private Func<double, double, double, double> _peerLarge = null!;

    [Params("small", "large")]
    public string Formula { get; set; } = "small";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = [.. Enumerable.Range(0, Rows).Select(_ => (random.NextDouble() * 20) - 10)];
        _b = [.. Enumerable.Range(0, Rows).Select(_ => (random.NextDouble() * 20) - 10)];
        _c = [.. Enumerable.Range(0, Rows).Select(_ => (random.NextDouble() * 20) - 10)];
        _output = new double[Rows];
        _scratch1 = new double[Rows];
        _scratch2 = new double[Rows];
        _small = Cohort.Formulas.Formula.Parse(Small).Compile();
        _large = Cohort.Formulas.Formula.Parse(Large).Compile();
        _small256 = _small.Program.FuseAt(SimdWidth.Bits256);
        _large256 = _large.Program.FuseAt(SimdWidth.Bits256);
        _peerSmall = Peer("Math.Max(a, 0.0) + 0.5 * b - Math.Min(c, 0.0)");
        _peerLarge = Peer("Math.Max(a, 0.0) * 2 + Math.Abs(b - c) / 3 - Math.Min(c, 1.0) * 0.25 + Math.Sqrt(Math.Abs(a)) + b * c");
    }

    [Benchmark(Baseline = true)]
    public void HandWrittenLoop()
    {
        var a = _a;
        var b = _b;
        var c = _c;
        var output = _output;
        if (Formula == "small")
        {
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = Math.Max(a[i], 0) + (0.5 * b[i]) - Math.Min(c[i], 0);
            }
        }
        else
        {
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = (Math.Max(a[i], 0) * 2) + (Math.Abs(b[i] - c[i]) / 3) - (Math.Min(c[i], 1) * 0.25) + Math.Sqrt(Math.Abs(a[i])) + (b[i] * c[i]);
            }
        }
    }

    [Benchmark]
    public void BatchEvaluator() => Compiled.EvaluateBatch([_a, _b, _c], _output);

    /// <summary>The same fused kernel held to 256-bit vectors (4 rows per instruction instead of 8 with AVX-512).</summary>
    [Benchmark]
    public void BatchEvaluator256() => (Formula == "small" ? _small256 : _large256)!.Run([_a, _b, _c], _output);

    /// <summary>
    /// The least any evaluator must do with these inputs, whatever the formula: read the three input columns and write
    /// the output column (missing values are NaN inside the columns, so there is no separate validity to read), here
    /// with the cheapest operation, <c>a + b + c</c>, in 512-bit vectors (256 where AVX-512 is not accelerated). The
    /// floor is the faster of this and <see cref="MemoryTrafficFloor256"/>. When a peer takes less than 10× the floor,
    /// no evaluator can be 10× faster than that peer on this machine.
    /// </summary>
    [Benchmark]
    public void MemoryTrafficFloor()
    {
        if (Vector512.IsHardwareAccelerated)
        {
            SumOfColumns<Vector512<double>, Simd512>(_a, _b, _c, _output);
        }
        else
        {
            SumOfColumns<Vector256<double>, Simd256>(_a, _b, _c, _output);
        }
    }

    /// <summary>
    /// <see cref="MemoryTrafficFloor"/> in 256-bit vectors: a 512-bit load of 8-byte-aligned data (what <c>new double[n]</c>
    /// gives) crosses a cache line every time, a 256-bit one every other time, so which is faster depends on the CPU.
    /// </summary>
    [Benchmark]
    public void MemoryTrafficFloor256() => SumOfColumns<Vector256<double>, Simd256>(_a, _b, _c, _output);

    private static void SumOfColumns<TVector, TSimd>(double[] a, double[] b, double[] c, double[] output)
        where TVector : struct
        where TSimd : ISimd<TVector>
    {
        ref var x = ref MemoryMarshal.GetArrayDataReference(a);
        ref var y = ref MemoryMarshal.GetArrayDataReference(b);
        ref var z = ref MemoryMarshal.GetArrayDataReference(c);
        ref var result = ref MemoryMarshal.GetArrayDataReference(output);
        var rows = (nuint)output.Length;
        var width = (nuint)TSimd.Count;
        nuint i = 0;
        for (; i + width <= rows; i += width)
        {
            TSimd.Store(TSimd.Add(TSimd.Add(TSimd.Load(in x, i), TSimd.Load(in y, i)), TSimd.Load(in z, i)), ref result, i);
        }

        for (; i < rows; i++)
        {
            Unsafe.Add(ref result, i) = Unsafe.Add(ref x, i) + Unsafe.Add(ref y, i) + Unsafe.Add(ref z, i);
        }
    }

    [Benchmark]
    public void ScalarDelegate()
    {
        var scalar = Compiled.ScalarDelegate;
        var row = _row;
        for (var i = 0; i < _output.Length; i++)
        {
            row[0] = _a[i];
            row[1] = _b[i];
            row[2] = _c[i];
            _output[i] = scalar(row);
        }
    }

    [Benchmark]
    public void DynamicLinqPeer()
    {
        var peer = Formula == "small" ? _peerSmall : _peerLarge;
        for (var i = 0; i < _output.Length; i++)
        {
            _output[i] = peer(_a[i], _b[i], _c[i]);
        }
    }

    /// <summary>The arithmetic (not the missing-value rules) as whole-column TensorPrimitives calls with full-size temporaries.</summary>
    [Benchmark]
    public void TensorPrimitivesChain()
    {
        ReadOnlySpan<double> a = _a, b = _b, c = _c;
        Span<double> t1 = _scratch1, t2 = _scratch2, output = _output;
        if (Formula == "small")
        {
            TensorPrimitives.Max(a, 0, t1);
            TensorPrimitives.MultiplyAdd(b, 0.5, t1, t1);
            TensorPrimitives.Min(c, 0, t2);
            TensorPrimitives.Subtract(t1, t2, output);
            return;
        }

        TensorPrimitives.Max(a, 0, t1);
        TensorPrimitives.Multiply(t1, 2, t1);
        TensorPrimitives.Subtract(b, c, t2);
        TensorPrimitives.Abs(t2, t2);
        TensorPrimitives.Divide(t2, 3, t2);
        TensorPrimitives.Add(t1, t2, t1);
        TensorPrimitives.Min(c, 1, t2);
        TensorPrimitives.Multiply(t2, 0.25, t2);
        TensorPrimitives.Subtract(t1, t2, t1);
        TensorPrimitives.Abs(a, t2);
        TensorPrimitives.Sqrt(t2, t2);
        TensorPrimitives.Add(t1, t2, t1);
        TensorPrimitives.Multiply(b, c, t2);
        TensorPrimitives.Add(t1, t2, output);
    }

    private CompiledFormula Compiled => Formula == "small" ? _small : _large;

    private static Func<double, double, double, double> Peer(string expression)
    {
        ParameterExpression[] parameters = [Expression.Parameter(typeof(double), "a"), Expression.Parameter(typeof(double), "b"), Expression.Parameter(typeof(double), "c")];
        var lambda = DynamicExpressionParser.ParseLambda(parameters, typeof(double), expression);
        return (Func<double, double, double, double>)lambda.Compile();
    }
}

/// <summary>Parse + bind + compile of the 20-node formula.</summary>
[MemoryDiagnoser]
public class FormulaCompileBenchmarks
{
    private const string Large = "max(d.a, 0) * 2 + abs(d.b - d.c) / 3 - min(d.c, 1) * 0.25 + sqrt(abs(d.a)) + d.b * d.c";

    /// <summary>Definition time: parse, bind, plan the batch evaluator (every error is found here).</summary>
    [Benchmark]
    public object ParseBindCompile() => Formula.Parse(Large).Compile();

    /// <summary>The same plus the scalar delegate's IL, compiled on its first use.</summary>
    [Benchmark]
    public object ParseBindCompileWithScalarDelegate() => Formula.Parse(Large).Compile().ScalarDelegate;

    [Benchmark]
    public object ParseOnly() => Formula.Parse(Large);
}
