using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Formulas.Tests;

public class BindingTests
{
    private static FormulaScope Scope(params (string Name, string Formula)[] analytics) =>
        new(analytics.Select(a => KeyValuePair.Create(a.Name, Formula.Parse(a.Formula))));

    [Fact]
    public void Rejects_an_unknown_function_at_its_column()
    {
        var error = Eval.Rejects("2 * frobnicate(d.a)");
        Assert.Equal(FormulaErrorKind.UnknownFunction, error.Kind);
        Assert.Equal(5, error.Column);
    }

    [Theory]
    [InlineData("pos(1, 2)", "takes 1 argument, not 2")]
    [InlineData("clamp(1, 2)", "takes 3 arguments, not 2")]
    [InlineData("min()", "takes at least 1 argument, not 0")]
    [InlineData("round(1, 2, 3)", "takes 1 to 2 arguments, not 3")]
    [InlineData("if(1, 2)", "takes 3 arguments")]
    public void Rejects_a_wrong_arity(string formula, string reason)
    {
        var error = Eval.Rejects(formula);
        Assert.Equal(FormulaErrorKind.WrongArity, error.Kind);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Column);
    }

    [Fact]
    public void Rejects_a_field_not_in_the_scope_catalog()
    {
        var scope = new FormulaScope(fields: [new FieldReference("egauge", "A.Solar")]);
        Assert.Empty(Formula.Parse("1").Compile(scope).Inputs);
        Formula.Parse("pos(egauge.A.Solar)").Compile(scope);
        var error = Eval.Rejects("pos(egauge.A.Solar) + egauge.A.EV", scope);
        Assert.Equal(FormulaErrorKind.UnknownField, error.Kind);
        Assert.Equal(23, error.Column);
        Assert.Equal(11, error.Length);
    }

    [Fact]
    public void Rejects_an_unknown_analytic_and_hints_at_a_function_of_that_name()
    {
        var error = Eval.Rejects("1 + solar");
        Assert.Equal(FormulaErrorKind.UnknownAnalytic, error.Kind);
        Assert.Equal(5, error.Column);
        Assert.Contains("pos(...)", Eval.Rejects("pos").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_cycle_between_analytics()
    {
        var scope = Scope(("a", "b + 1"), ("b", "c * 2"), ("c", "a"));
        var error = Eval.Rejects("a", scope);
        Assert.Equal(FormulaErrorKind.Cycle, error.Kind);
        Assert.Contains("a -> b -> c -> a", error.Message, StringComparison.Ordinal);
        Assert.Equal("a", error.FormulaText);
    }

    [Theory]
    [InlineData("1 + 5m")]
    [InlineData("moving_avg(d.a, 5)")]
    [InlineData("shift(d.a, d.b)")]
    [InlineData("moving_avg(d.a, 0s)")]
    public void Rejects_durations_out_of_place_and_numbers_where_durations_belong(string formula) =>
        Assert.Equal(FormulaErrorKind.InvalidArgument, Eval.Rejects(formula).Kind);

    [Fact]
    public void Reports_errors_inside_an_analytic_with_its_own_text_and_name()
    {
        var scope = Scope(("solar", "pos(egauge.A.Solar) + nope(1)"));
        var error = Eval.Rejects("solar * 2", scope);
        Assert.Equal("pos(egauge.A.Solar) + nope(1)", error.FormulaText);
        Assert.Contains("In analytic 'solar'", error.Message, StringComparison.Ordinal);
        Assert.Equal(23, error.Column);
    }

    [Fact]
    public void Extracts_the_device_fields_needed_transitively_through_analytics()
    {
        var scope = Scope(
            ("solar", "pos(egauge.A.Solar)"),
            ("ev", "-egauge.A.EV"),
            ("net", "solar - ev + solar"));
        var formula = Formula.Parse("net + charger1.current + charger2.current + egauge.A.EV");
        Assert.Equal(
            [new("egauge", "A.Solar"), new("egauge", "A.EV"), new("charger1", "current"), new("charger2", "current")],
            formula.GetDependencies(scope));
        Assert.Equal(["solar", "ev", "net"], formula.Compile(scope).Analytics);
    }

    [Fact]
    public void The_same_name_means_different_formulas_in_different_scopes()
    {
        var house1 = Scope(("ev", "-egauge.A.EV"));
        var house2 = Scope(("ev", "charger1.current + charger2.current"));
        Assert.Equal([new FieldReference("egauge", "A.EV")], Formula.Parse("ev").GetDependencies(house1));
        Assert.Equal(2, Formula.Parse("ev").GetDependencies(house2).Count);
    }
}
