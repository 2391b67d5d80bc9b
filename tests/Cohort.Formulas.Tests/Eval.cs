using Cohort.Core;
using Cohort.Formulas;

namespace Cohort.Formulas.Tests;

/// <summary>Helpers that evaluate a formula on one row through the scalar delegate and check the batch evaluator agrees.</summary>
internal static class Eval
{
    public static readonly FieldReference A = new("d", "a");
    public static readonly FieldReference B = new("d", "b");
    public static readonly FieldReference C = new("d", "c");

    /// <summary>Evaluates a formula with no inputs or with d.a, d.b, d.c; returns null when missing.</summary>
    public static double? Value(string formula, double a = double.NaN, double b = double.NaN, double c = double.NaN)
    {
        var compiled = Formula.Parse(formula).Compile();
        var values = new Dictionary<FieldReference, double> { [A] = a, [B] = b, [C] = c };
        var row = compiled.Inputs.Select(i => values[i]).ToArray();
        var scalar = compiled.Evaluate(row);
        var output = new double[1];
        compiled.EvaluateBatch([.. row.Select(v => new ReadOnlyMemory<double>([v]))], output);
        Assert.Equal(double.IsNaN(scalar), double.IsNaN(output[0]));
        if (!double.IsNaN(scalar))
        {
            Assert.Equal(scalar, output[0], 12);
        }

        return double.IsNaN(scalar) ? null : scalar;
    }

    public static FormulaException Rejects(string formula, FormulaScope? scope = null) =>
        Assert.Throws<FormulaException>(() => Formula.Parse(formula).Compile(scope));
}
