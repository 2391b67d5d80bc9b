using System.Collections.Immutable;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Formulas.Compilation;
using Cohort.Formulas.Parsing;
using FsCheck.Xunit;

namespace Cohort.Formulas.Tests;

public class PropertyTests
{
    private static readonly string[] Pointwise = ["pos", "neg", "abs", "min", "max", "clamp", "round", "floor", "ceil", "sqrt", "pow", "exp", "log", "coalesce", "if", "sin", "cos", "tan"];
    private static readonly double[] Constants = [0, 1, 2, 0.5, 3.25, 10, 1e-3, 1e6];
    private static readonly double[] Samples = [0, -0.0, 1, -1, 2, -2.5, 0.5, 3, 1e6, -1e-3, 7.25, 100];

    /// <summary>A random pointwise formula tree over d.a, d.b, d.c (numbers are never negative, as the parser makes them).</summary>
    internal static FormulaNode RandomTree(Random random, int depth)
    {
        if (depth <= 0 || random.Next(4) == 0)
        {
            return random.Next(3) == 0
                ? new NumberNode(Constants[random.Next(Constants.Length)])
                : new FieldNode(new FieldReference("d", "abc"[random.Next(3)].ToString()));
        }

        switch (random.Next(4))
        {
            case 0:
                return new UnaryNode(random.Next(3) == 0 ? UnaryOperator.Not : UnaryOperator.Negate, RandomTree(random, depth - 1));
            case 1:
            case 2:
                var ops = Enum.GetValues<BinaryOperator>();
                return new BinaryNode(ops[random.Next(ops.Length)], RandomTree(random, depth - 1), RandomTree(random, depth - 1));
            default:
                var name = Pointwise[random.Next(Pointwise.Length)];
                var arity = name switch
                {
                    "min" or "max" or "coalesce" => 1 + random.Next(3),
                    "clamp" or "if" => 3,
                    "pow" => 2,
                    "round" or "log" => 1 + random.Next(2),
                    _ => 1,
                };
                return new CallNode(name, [.. Enumerable.Range(0, arity).Select(_ => RandomTree(random, depth - 1))]);
        }
    }

    private static bool Same(double expected, double actual) =>
        (double.IsNaN(expected) && double.IsNaN(actual)) ||
        expected.Equals(actual) ||
        Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(expected), Math.Abs(actual)));

    [Property(MaxTest = 300)]
    public void Printing_a_parsed_formula_and_parsing_it_again_gives_the_same_tree(int seed)
    {
        var tree = RandomTree(new Random(seed), 5);
        var printed = Printer.Print(tree);
        var reparsed = Formula.Parse(printed);
        Assert.Equal(tree, reparsed.Root);
        Assert.Equal(printed, reparsed.ToString());
    }

    [Property(MaxTest = 200)]
    public void Scalar_delegate_batch_evaluator_and_interpreter_agree_on_random_formulas_and_inputs(int seed)
    {
        var random = new Random(seed);
        var compiled = Formula.Parse(Printer.Print(RandomTree(random, 5))).Compile();
        var rows = 1 + random.Next(1500);
        var columns = compiled.Inputs.Select(_ => Enumerable.Range(0, rows)
            .Select(_ => random.Next(5) == 0 ? double.NaN : Samples[random.Next(Samples.Length)] * (random.Next(2) == 0 ? 1 : random.NextDouble()))
            .ToArray()).ToArray();
        var memory = columns.Select(c => new ReadOnlyMemory<double>(c)).ToArray();
        var batch = new double[rows];
        compiled.EvaluateBatch(memory, batch);

        // Both batch paths on every row count, whichever EvaluateBatch picked for this one; the fused kernel at the
        // machine's width (512 bits with AVX-512: 8 rows per vector, so most row counts end in a partial vector)
        // and at one of the other widths.
        var chunked = new double[rows];
        compiled.Program.RunChunked(memory, chunked);
        var fusedKernel = compiled.Program.Fused;
        Assert.True(fusedKernel is not null || Simd.Preferred == SimdWidth.None, $"{compiled} was not fused.");
        var width = FusedKernel.WidthFor(compiled.Program.Root);
        Assert.Equal(width, fusedKernel?.Width ?? SimdWidth.None);
        var fused = Fused(fusedKernel, memory, chunked);
        SimdWidth[] others = [.. Enum.GetValues<SimdWidth>().Where(w => w != SimdWidth.None && w != width)];
        var otherWidth = others[random.Next(others.Length)];
        var narrower = Fused(compiled.Program.FuseAt(otherWidth), memory, chunked);

        var interpreter = new Interpreter([], [.. columns.Select(c => new ReadOnlyMemory<double>(c))]);
        for (var row = 0; row < rows; row++)
        {
            var inputs = columns.Select(c => c[row]).ToArray();
            var scalar = compiled.ScalarDelegate(inputs);
            var reference = compiled.Inputs.Count == 0 && rows > 0 ? new Interpreter([0], []).Evaluate(compiled.Bound, 0) : interpreter.Evaluate(compiled.Bound, row);
            var expected = reference ?? double.NaN;
            Assert.True(Same(expected, scalar), $"{compiled} row {row} [{string.Join(", ", inputs)}]: interpreter {expected}, scalar {scalar}");
            Assert.True(Same(expected, batch[row]), $"{compiled} row {row} [{string.Join(", ", inputs)}]: interpreter {expected}, batch {batch[row]}");
            Assert.True(Same(expected, chunked[row]), $"{compiled} row {row} [{string.Join(", ", inputs)}]: interpreter {expected}, chunked {chunked[row]}");
            Assert.True(Same(expected, fused[row]), $"{compiled} row {row} of {rows} [{string.Join(", ", inputs)}]: interpreter {expected}, fused {fused[row]}");
            Assert.True(Same(expected, narrower[row]), $"{compiled} row {row} of {rows} [{string.Join(", ", inputs)}]: interpreter {expected}, fused at {otherWidth} {narrower[row]}");
        }
    }

    /// <summary>The kernel's results (a copy of the fallback's where it could not be built).</summary>
    private static double[] Fused(FusedKernel? kernel, ReadOnlyMemory<double>[] columns, double[] fallback)
    {
        var output = new double[fallback.Length];
        if (kernel is null)
        {
            fallback.CopyTo(output, 0);
        }
        else
        {
            kernel.Run(columns, output);
        }

        return output;
    }

    [Property(MaxTest = 500)]
    public void Arbitrary_text_never_makes_the_parser_throw_anything_but_FormulaException(string? text, int seed)
    {
        const string alphabet = "ab._\"\\()+-*/%^<>=!, 0123456789eEmshd\n\t$";
        var random = new Random(seed);
        var sampled = new string([.. Enumerable.Range(0, random.Next(30)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        foreach (var candidate in new[] { text ?? string.Empty, sampled })
        {
            try
            {
                Formula.Parse(candidate).Compile();
            }
            catch (FormulaException error)
            {
                Assert.InRange(error.Column, 1, candidate.Length + 1);
                Assert.False(string.IsNullOrEmpty(error.FormatWithCaret()));
            }
        }
    }

    [Property(MaxTest = 100)]
    public void Time_aware_functions_agree_with_the_reference_interpreter(int seed)
    {
        var random = new Random(seed);
        string[] formulas = ["delta(d.a)", "rate(d.a)", "integral(d.a)", "integral(d.a, 1h)", "moving_avg(d.a, 5s)", "shift(d.a, 3s)", "delta(moving_avg(d.a * 2, 10s)) + d.b", "coalesce(shift(d.a, 0s), integral(d.b))"];
        var compiled = Formula.Parse(formulas[random.Next(formulas.Length)]).Compile();
        var rows = random.Next(200);
        var timestamps = new long[rows];
        for (var i = 0; i < rows; i++)
        {
            timestamps[i] = (i == 0 ? 0 : timestamps[i - 1]) + (1 + random.Next(3000)) * 1_000_000L;
        }

        var columns = compiled.Inputs.Select(_ => Enumerable.Range(0, rows)
            .Select(_ => random.Next(4) == 0 ? double.NaN : Math.Round((random.NextDouble() * 200) - 100, 3)).ToArray()).ToArray();
        var memory = columns.Select(c => new ReadOnlyMemory<double>(c)).ToArray();
        var batch = new double[rows];
        if (random.Next(2) == 0)
        {
            // Generating the fused kernel makes every later batch use it, whatever its size.
            Assert.Equal(Simd.Preferred != SimdWidth.None, compiled.Program.Fused is not null);
        }

        compiled.EvaluateBatch(memory, timestamps, batch);
        var expected = new Interpreter(timestamps, memory).EvaluateAll(compiled.Bound);
        for (var i = 0; i < rows; i++)
        {
            Assert.True(Same(expected[i] ?? double.NaN, batch[i]), $"{compiled} row {i}: interpreter {expected[i]}, batch {batch[i]}");
        }
    }
}
