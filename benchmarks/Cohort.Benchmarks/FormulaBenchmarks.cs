using System.Linq.Dynamic.Core;
using System.Linq.Expressions;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Cohort.Formulas;

namespace Cohort.Benchmarks;

/// <summary>
/// 1M aligned rows of 3 inputs: <c>pos(a) + 0.5*b - neg(c)</c> and a 26-node formula, through our batch evaluator
/// (fused SIMD kernel), our scalar delegate, a hand-written loop (the floor), System.Linq.Dynamic.Core compiled
/// lambdas (the .NET peer: one delegate call per row) and, for reference, the same arithmetic as a chain of
/// TensorPrimitives calls over whole columns (what a .NET user vectorizing by hand would write).
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
