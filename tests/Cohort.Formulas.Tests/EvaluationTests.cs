using Cohort.Formulas;

namespace Cohort.Formulas.Tests;

public class EvaluationTests
{
    [Theory]
    [InlineData("pos(d.a)", 3, 3)]
    [InlineData("pos(d.a)", -3, 0)]
    [InlineData("neg(d.a)", 3, 0)]
    [InlineData("neg(d.a)", -3, -3)]
    [InlineData("abs(d.a)", -2.5, 2.5)]
    [InlineData("min(d.a, 2, 7)", 5, 2)]
    [InlineData("max(d.a, 2, 7)", 5, 7)]
    [InlineData("min(d.a)", 5, 5)]
    [InlineData("clamp(d.a, 0, 10)", 12, 10)]
    [InlineData("clamp(d.a, 0, 10)", -1, 0)]
    [InlineData("clamp(d.a, 0, 10)", 4, 4)]
    [InlineData("round(d.a)", 2.5, 3)]
    [InlineData("round(d.a)", -2.5, -3)]
    [InlineData("round(d.a, 2)", 1.005001, 1.01)]
    [InlineData("floor(d.a)", -1.5, -2)]
    [InlineData("ceil(d.a)", -1.5, -1)]
    [InlineData("sqrt(d.a)", 9, 3)]
    [InlineData("pow(d.a, 3)", 2, 8)]
    [InlineData("exp(d.a)", 0, 1)]
    [InlineData("log(d.a)", 1, 0)]
    [InlineData("log(d.a, 10)", 1000, 3)]
    [InlineData("sin(d.a)", 0, 0)]
    [InlineData("cos(d.a)", 0, 1)]
    [InlineData("tan(d.a)", 0, 0)]
    [InlineData("coalesce(d.a, 5)", 1, 1)]
    [InlineData("if(d.a > 0, 10, 20)", 1, 10)]
    [InlineData("if(d.a > 0, 10, 20)", -1, 20)]
    [InlineData("if(d.a, 10, 20)", 0, 20)]
    [InlineData("-d.a", 4, -4)]
    [InlineData("not d.a", 0, 1)]
    [InlineData("not d.a", 2, 0)]
    [InlineData("d.a % 3", 7, 1)]
    [InlineData("d.a ^ 0.5", 16, 4)]
    public void Computes_every_built_in_function_and_operator(string formula, double a, double expected) =>
        Assert.Equal(expected, Eval.Value(formula, a)!.Value, 10);

    [Theory]
    [InlineData("d.a + 1")]
    [InlineData("d.a - 1")]
    [InlineData("d.a * 0")]
    [InlineData("0 / d.a")]
    [InlineData("d.a % 2")]
    [InlineData("d.a ^ 0")]
    [InlineData("1 ^ d.a")]
    [InlineData("-d.a")]
    [InlineData("d.a < 1")]
    [InlineData("d.a == d.a")]
    [InlineData("d.a and 0")]
    [InlineData("d.a or 1")]
    [InlineData("not d.a")]
    [InlineData("pos(d.a)")]
    [InlineData("neg(d.a)")]
    [InlineData("abs(d.a)")]
    [InlineData("min(d.a, 1)")]
    [InlineData("max(1, d.a)")]
    [InlineData("clamp(d.a, 0, 1)")]
    [InlineData("clamp(1, d.a, 2)")]
    [InlineData("round(d.a)")]
    [InlineData("round(1.5, d.a)")]
    [InlineData("sqrt(d.a)")]
    [InlineData("exp(d.a)")]
    [InlineData("log(d.a)")]
    [InlineData("if(d.a, 1, 2)")]
    [InlineData("if(1, d.a, 2)")]
    [InlineData("coalesce(d.a)")]
    public void A_missing_input_gives_a_missing_output(string formula) =>
        Assert.Null(Eval.Value(formula, double.NaN));

    [Fact]
    public void Coalesce_takes_the_first_present_value()
    {
        Assert.Equal(2, Eval.Value("coalesce(d.a, d.b, 3)", double.NaN, 2));
        Assert.Equal(3, Eval.Value("coalesce(d.a, d.b, 3)"));
        Assert.Null(Eval.Value("coalesce(d.a, d.b)"));
    }

    [Fact]
    public void If_ignores_a_missing_branch_it_does_not_take() =>
        Assert.Equal(1, Eval.Value("if(d.a, 1, d.b)", 5, double.NaN));

    [Theory]
    [InlineData("d.a / 0")]
    [InlineData("d.a / (d.b - d.b)")]
    [InlineData("d.a % 0")]
    [InlineData("0 / 0")]
    public void Division_by_zero_gives_missing_not_infinity(string formula) =>
        Assert.Null(Eval.Value(formula, 1, 2));

    [Theory]
    [InlineData("sqrt(-1)")]
    [InlineData("log(-1)")]
    [InlineData("round(1.5, 16)")]
    [InlineData("round(1.5, -1)")]
    public void Results_that_are_not_a_number_are_missing(string formula) =>
        Assert.Null(Eval.Value(formula));

    [Fact]
    public void Evaluates_the_smart_grid_examples()
    {
        Assert.Equal(2.5, Eval.Value("pos(egauge.A.Battery)".Replace("egauge.A.Battery", "d.a", StringComparison.Ordinal), 2.5));
        Assert.Equal(-7, Eval.Value("-d.a", 7));
        Assert.Equal(30, Eval.Value("d.a + d.b", 10, 20));
        Assert.Equal(3, Eval.Value("pos(d.a) + 0.5 * d.b - neg(d.c)", 1, 2, -1));
    }

    [Fact]
    public void The_scalar_delegate_refuses_a_time_aware_formula_and_the_batch_needs_timestamps()
    {
        var compiled = Formula.Parse("delta(d.a)").Compile();
        Assert.False(compiled.IsPointwise);
        Assert.Throws<InvalidOperationException>(() => compiled.ScalarDelegate);
        Assert.Throws<ArgumentException>(() => compiled.EvaluateBatch([new double[] { 1, 2 }], new double[2]));
    }

    [Fact]
    public void The_batch_evaluator_checks_column_shapes_and_fills_the_validity_mask()
    {
        var compiled = Formula.Parse("d.a / d.b").Compile();
        Assert.Throws<ArgumentException>(() => compiled.EvaluateBatch([new double[] { 1 }], new double[1]));
        Assert.Throws<ArgumentException>(() => compiled.EvaluateBatch([new double[] { 1 }, new double[] { 1, 2 }], new double[1]));
        var output = new double[3];
        var validity = new bool[3];
        var present = compiled.EvaluateBatch([new double[] { 1, 2, double.NaN }, new double[] { 2, 0, 1 }], [], output, validity);
        Assert.Equal(1, present);
        Assert.Equal([true, false, false], validity);
        Assert.Equal(0.5, output[0]);
    }
}
