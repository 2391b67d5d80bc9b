using System.Runtime.Intrinsics;
using Cohort.Formulas;
using Cohort.Formulas.Compilation;

namespace Cohort.Formulas.Tests;

/// <summary>The fused batch kernel: when it is used, and that it gives what the chunked evaluator gives.</summary>
public class FusedKernelTests
{
    private const int Rows = 2_051; // not a multiple of any vector width: the last partial vector is exercised

    private static double[] Column(int seed, double missingEvery = 7) =>
        [.. Enumerable.Range(0, Rows).Select(i => i % missingEvery == 3 ? double.NaN : Math.Round(Math.Sin(i + seed) * 10, 3))];

    private static (double[] Batch, double[] Chunked) EvaluateBothWays(CompiledFormula compiled, ReadOnlyMemory<double>[] columns)
    {
        var batch = new double[Rows];
        compiled.EvaluateBatch(columns, batch);
        var chunked = new double[Rows];
        compiled.Program.RunChunked(columns, chunked);
        return (batch, chunked);
    }

    [Theory]
    [InlineData("pos(d.a) + 0.5 * d.b - neg(d.c)")]
    [InlineData("max(d.a, 0) * 2 + abs(d.b - d.c) / 3 - min(d.c, 1) * 0.25 + sqrt(abs(d.a)) + d.b * d.c")]
    [InlineData("if(d.a > d.b and not (d.c == 0), coalesce(d.c, d.a, 1), clamp(d.a, -1, 1)) / d.b")]
    [InlineData("round(d.a, 1) + d.b % 3 + d.c ^ 2 + exp(d.a / 10) + log(abs(d.b) + 1, 2)")]
    [InlineData("d.a / 0 + 1")]
    public void The_fused_kernel_matches_the_chunked_evaluator(string formula)
    {
        var compiled = Formula.Parse(formula).Compile();
        ReadOnlyMemory<double>[] columns = [.. compiled.Inputs.Select((_, i) => new ReadOnlyMemory<double>(Column(i)))];
        var fused = compiled.Program.Fused;
        Assert.Equal(Simd.Preferred != SimdWidth.None, fused is not null);
        var output = new double[Rows];
        fused?.Run(columns, output);

        var (batch, chunked) = EvaluateBothWays(compiled, columns);

        Assert.Equal(chunked, batch);
        Assert.Equal(chunked, fused is null ? batch : output);
        Assert.Contains(batch, v => !double.IsNaN(v) || formula.Contains("/ 0", StringComparison.Ordinal));
        foreach (var width in new[] { SimdWidth.Bits512, SimdWidth.Bits256, SimdWidth.Bits128 })
        {
            var atWidth = new double[Rows];
            var kernel = compiled.Program.FuseAt(width);
            Assert.NotNull(kernel);
            Assert.Equal(width, kernel.Width);
            kernel.Run(columns, atWidth);
            Assert.Equal(chunked, atWidth);
        }
    }

    [Fact]
    public void The_batch_evaluator_runs_at_the_widest_vector_width_the_hardware_accelerates()
    {
        var expected = Vector512.IsHardwareAccelerated ? SimdWidth.Bits512
            : Vector256.IsHardwareAccelerated ? SimdWidth.Bits256
            : Vector128.IsHardwareAccelerated ? SimdWidth.Bits128
            : SimdWidth.None;

        Assert.Equal(expected, Simd.Preferred);
        var computeBound = Formula.Parse("sqrt(abs(d.a)) * 2 + exp(d.a) / 3").Compile();   // 6 operations, 1 input
        Assert.Equal(expected, computeBound.Program.Fused?.Width ?? SimdWidth.None);
    }

    [Fact]
    public void A_memory_bound_formula_stays_at_256_bits_where_512_would_be_chosen()
    {
        // pos(a) + 0.5*b - neg(c): 5 operations over 3 columns, below 3 per column.
        var memoryBound = Formula.Parse("pos(d.a) + 0.5 * d.b - neg(d.c)").Compile();
        var expected = Simd.Preferred == SimdWidth.Bits512 && Vector256.IsHardwareAccelerated ? SimdWidth.Bits256 : Simd.Preferred;

        Assert.Equal(expected, memoryBound.Program.Fused?.Width ?? SimdWidth.None);
        Assert.Equal(expected, Simd.For(operations: 5, inputs: 3));
        Assert.Equal(Simd.Preferred, Simd.For(operations: 9, inputs: 3));
        Assert.Equal(Simd.Preferred, Simd.For(operations: 4, inputs: 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(17)]
    public void Row_counts_shorter_than_or_just_past_a_vector_keep_only_their_rows(int rows)
    {
        var compiled = Formula.Parse("coalesce(d.a, 5) * 2").Compile();
        var a = Column(0)[..rows];
        var output = new double[rows + 3];
        output.AsSpan().Fill(-7);

        compiled.Program.Fused?.Run([a], output.AsSpan(0, rows));
        var expected = a.Select(v => (double.IsNaN(v) ? 5 : v) * 2).ToArray();

        Assert.Equal(Simd.Preferred != SimdWidth.None ? expected : output[..rows], output[..rows]);
        Assert.Equal([-7, -7, -7], output[rows..]);
    }

    [Fact]
    public void Small_batches_run_chunked_until_the_formula_has_evaluated_enough_rows_to_pay_for_fusing()
    {
        var compiled = Formula.Parse("d.a * 2 + 1").Compile();
        var small = Column(0);
        var output = new double[Rows];
        var batchesBeforeFusing = (int)(BatchProgram.FuseAfterRows / Rows);

        for (var i = 0; i < batchesBeforeFusing; i++)
        {
            compiled.EvaluateBatch([small], output);
        }

        Assert.False(compiled.Program.FusionAttempted);
        compiled.EvaluateBatch([small], output);
        Assert.True(compiled.Program.FusionAttempted);
        Assert.Equal((small[1] * 2) + 1, output[1]);

        var large = Formula.Parse("d.a * 3").Compile();
        var column = new double[BatchProgram.FuseAfterRows];
        column.AsSpan().Fill(2);
        var result = new double[column.Length];
        large.EvaluateBatch([column], result);
        Assert.True(large.Program.FusionAttempted);
        Assert.All(result, v => Assert.Equal(6, v));
    }

    [Fact]
    public void Division_by_zero_is_missing_in_the_fused_kernel_too()
    {
        var compiled = Formula.Parse("d.a / d.b + d.a / 0").Compile();
        var a = Enumerable.Repeat(1.0, Rows).ToArray();
        var b = Enumerable.Range(0, Rows).Select(i => (double)(i % 2)).ToArray();
        var output = new double[Rows];

        compiled.EvaluateBatch([a, b], output);

        Assert.All(output, v => Assert.True(double.IsNaN(v)));
        Assert.Equal(2.0, Formula.Parse("d.a / d.b").Compile().Evaluate(4, 2));
    }

    [Fact]
    public void A_formula_with_more_inputs_than_the_kernel_holds_runs_chunked_with_the_same_results()
    {
        var fields = Enumerable.Range(0, 10).Select(i => $"d.x{i}").ToArray();
        var compiled = Formula.Parse(string.Join(" + ", fields)).Compile();
        ReadOnlyMemory<double>[] columns = [.. Enumerable.Range(0, 10).Select(i => new ReadOnlyMemory<double>(Column(i, missingEvery: 1_000)))];

        var (batch, chunked) = EvaluateBothWays(compiled, columns);

        Assert.Null(compiled.Program.Fused);
        Assert.Equal(chunked, batch);
        Assert.Equal(Enumerable.Range(0, 10).Sum(i => columns[i].Span[5]), batch[5], 9);
    }

    [Theory]
    [InlineData(29, true)]
    [InlineData(40, false)]
    public void A_formula_deeper_than_the_kernel_allows_runs_chunked(int nesting, bool fused)
    {
        var text = string.Concat(Enumerable.Repeat("abs(", nesting)) + "d.a" + new string(')', nesting) + " * 2";
        var compiled = Formula.Parse(text).Compile();
        ReadOnlyMemory<double>[] columns = [Column(0)];
        var output = new double[Rows];

        Assert.Equal(fused && Simd.Preferred != SimdWidth.None, compiled.Program.Fused is not null);
        compiled.EvaluateBatch(columns, output);

        Assert.Equal(Math.Abs(columns[0].Span[10]) * 2, output[10]);
        Assert.True(double.IsNaN(output[3]));
    }

    [Fact]
    public void A_formula_with_more_nodes_than_the_kernel_allows_runs_chunked()
    {
        // A balanced sum of 256 inputs: shallow (depth 9) but 511 nodes.
        static string Sum(int leaves) => leaves == 1 ? "d.a" : $"({Sum(leaves / 2)} + {Sum(leaves / 2)})";
        var compiled = Formula.Parse(Sum(256)).Compile();
        ReadOnlyMemory<double>[] columns = [Column(0)];

        var (batch, _) = EvaluateBothWays(compiled, columns);

        Assert.Null(compiled.Program.Fused);
        Assert.Equal(columns[0].Span[10] * 256, batch[10], 9);
    }

    [Fact]
    public void The_output_may_be_one_of_the_input_columns()
    {
        var compiled = Formula.Parse("d.a * 2 + d.b").Compile();
        var a = Column(0);
        var b = Column(1);
        var expected = a.Zip(b, (x, y) => (x * 2) + y).ToArray();

        compiled.EvaluateBatch([a, b], a);

        Assert.Equal(expected, a);
    }
}
