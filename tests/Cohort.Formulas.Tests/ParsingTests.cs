using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Formulas.Tests;

public class ParsingTests
{
    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("10 - 4 - 3", 3)]
    [InlineData("100 / 10 / 5", 2)]
    [InlineData("7 % 4 * 2", 6)]
    [InlineData("-7 % 4", -3)]
    [InlineData("2 ^ 3 ^ 2", 512)]
    [InlineData("-2 ^ 2", -4)]
    [InlineData("(-2) ^ 2", 4)]
    [InlineData("2 ^ -1", 0.5)]
    [InlineData("-2 * 3", -6)]
    [InlineData("--3", 3)]
    [InlineData("2 * 3 ^ 2", 18)]
    [InlineData("1.5e3 + 2E-1 + .5", 1500.7)]
    [InlineData("1 + 2 < 4", 1)]
    [InlineData("1 < 2 and 3 < 2", 0)]
    [InlineData("1 < 2 or 3 < 2", 1)]
    [InlineData("not 1 < 2", 0)]
    [InlineData("not 0 and 0", 0)]
    [InlineData("1 or 0 and 0", 1)]
    [InlineData("2 == 2", 1)]
    [InlineData("2 != 2", 0)]
    [InlineData("2 <= 2", 1)]
    [InlineData("3 >= 4", 0)]
    [InlineData("3 > 2", 1)]
    public void Follows_the_documented_precedence_and_associativity(string formula, double expected) =>
        Assert.Equal(expected, Eval.Value(formula)!.Value, 12);

    [Theory]
    [InlineData("egauge.A.Battery", "egauge", "A.Battery")]
    [InlineData("charger1.current", "charger1", "current")]
    [InlineData("\"my meter\".\"Power (W)\"", "my meter", "Power (W)")]
    [InlineData("sonnen.status.Pac_total_W", "sonnen", "status.Pac_total_W")]
    [InlineData("egauge.1.power", "egauge", "1.power")]
    [InlineData("\"a\\\"b\".c", "a\"b", "c")]
    public void Reads_dotted_and_quoted_field_references_first_dot_splitting(string formula, string device, string field)
    {
        var compiled = Formula.Parse(formula).Compile();
        Assert.Equal([new FieldReference(device, field)], compiled.Inputs);
    }

    [Theory]
    [InlineData("1+2*3", "1 + 2 * 3")]
    [InlineData("(1+2)*3", "(1 + 2) * 3")]
    [InlineData("-(2^2)", "-2 ^ 2")]
    [InlineData("(-2)^2", "(-2) ^ 2")]
    [InlineData("2^(3^2)", "2 ^ 3 ^ 2")]
    [InlineData("(2^3)^2", "(2 ^ 3) ^ 2")]
    [InlineData("a-(b-c)", "a - (b - c)")]
    [InlineData("(a-b)-c", "a - b - c")]
    [InlineData("pos( egauge.A.Battery )", "pos(egauge.A.Battery)")]
    [InlineData("\"my meter\".x", "\"my meter\".x")]
    [InlineData("analytics.solar", "solar")]
    [InlineData("moving_avg(x.y, 60m)", "moving_avg(x.y, 1h)")]
    [InlineData("not (a and b)", "not (a and b)")]
    [InlineData("(1 < 2) == 1", "(1 < 2) == 1")]
    public void Prints_canonical_text_with_the_fewest_parentheses(string formula, string printed) =>
        Assert.Equal(printed, Formula.Parse(formula).ToString());

    [Theory]
    [InlineData("1 +", 4, "ends where a value was expected")]
    [InlineData("(1 + 2", 7, "Expected ')'")]
    [InlineData("1 + 2)", 6, "no matching '('")]
    [InlineData("1 $ 2", 3, "Unexpected character '$'")]
    [InlineData("a = 1", 3, "'=='")]
    [InlineData("1 < 2 < 3", 7, "do not chain")]
    [InlineData("", 1, "empty")]
    [InlineData("2 3", 3, "expected an operator")]
    [InlineData("x.", 3, "Expected a name after '.'")]
    [InlineData("\"open", 1, "not closed")]
    [InlineData("1.5m", 1, "whole number")]
    [InlineData("15q", 1, "not a number or a duration")]
    [InlineData("f(1,", 5, "ends where a value")]
    [InlineData("1e999", 1, "out of range")]
    [InlineData("and", 1, "keyword")]
    public void Rejects_syntax_errors_with_a_one_based_column(string formula, int column, string reason)
    {
        var error = Assert.Throws<FormulaException>(() => Formula.Parse(formula));
        Assert.Equal(FormulaErrorKind.Syntax, error.Kind);
        Assert.Equal(column, error.Column);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_the_error_with_the_source_line_and_a_caret_under_the_column()
    {
        var error = Eval.Rejects("1 + foo(2)");
        Assert.Equal(
            "Unknown function 'foo' at column 5.\n  1 + foo(2)\n      ^^^",
            error.FormatWithCaret().ReplaceLineEndings("\n"));
        Assert.StartsWith(error.FormatWithCaret(), error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_line_and_column_in_multi_line_formulas()
    {
        var error = Assert.Throws<FormulaException>(() => Formula.Parse("1 +\n  2 $"));
        Assert.Equal(2, error.Line);
        Assert.Equal(5, error.Column);
        Assert.EndsWith("  2 $\n      ^", error.FormatWithCaret().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_formulas_nested_too_deeply_instead_of_overflowing_the_stack()
    {
        Assert.Throws<FormulaException>(() => Formula.Parse(new string('(', 5000) + "1" + new string(')', 5000)));
        Assert.Throws<FormulaException>(() => Formula.Parse(string.Join(" + ", Enumerable.Repeat("1", 5000))));
        Assert.Throws<FormulaException>(() => Formula.Parse(new string('-', 5000) + "1"));
    }

    [Fact]
    public void Try_parse_returns_the_error_instead_of_throwing()
    {
        Assert.False(Formula.TryParse("1 +", out var formula, out var error));
        Assert.Null(formula);
        Assert.Equal(4, error.Column);
        Assert.True(Formula.TryParse("1 + 1", out formula, out error));
        Assert.Equal("1 + 1", formula.ToString());
    }
}
