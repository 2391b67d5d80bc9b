using System.Diagnostics.CodeAnalysis;
using Cohort.Core;
using Cohort.Formulas.Binding;
using Cohort.Formulas.Compilation;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas;

/// <summary>
/// A parsed formula: an immutable syntax tree and the text it came from. Parse once, then <see cref="Compile"/>
/// against a <see cref="FormulaScope"/> (binding and compiling); both steps reject a bad formula with a
/// <see cref="FormulaException"/>, so evaluation never fails on the formula itself. Thread-safe.
/// </summary>
public sealed class Formula
{
    private Formula(string text, FormulaNode root)
    {
        Text = text;
        Root = root;
    }

    /// <summary>The formula text as written.</summary>
    public string Text { get; }

    internal FormulaNode Root { get; }

    /// <summary>Parses formula text.</summary>
    /// <exception cref="FormulaException">The text does not follow the grammar; the only exception parsing throws, apart from a null argument.</exception>
    public static Formula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Formula(text, Parser.Parse(text));
    }

    /// <summary>Parses formula text, returning the error instead of throwing it.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out Formula? formula, [NotNullWhen(false)] out FormulaException? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            formula = Parse(text);
            error = null;
            return true;
        }
        catch (FormulaException exception)
        {
            formula = null;
            error = exception;
            return false;
        }
    }

    /// <summary>
    /// Binds the formula against <paramref name="scope"/> (functions, arity, fields, analytics, cycles) and compiles
    /// it to a scalar delegate and a batch evaluator.
    /// </summary>
    /// <param name="scope">The fields and named analytics it may refer to; <see cref="FormulaScope.Empty"/> when null.</param>
    /// <exception cref="FormulaException">A name cannot be resolved, an arity is wrong, or analytics form a cycle.</exception>
    public CompiledFormula Compile(FormulaScope? scope = null) => CompiledFormula.Create(this, Binder.Bind(this, scope ?? FormulaScope.Empty));

    /// <summary>The device fields the formula needs, through the analytics it refers to, in order of first use.</summary>
    /// <exception cref="FormulaException">The formula does not bind in <paramref name="scope"/>.</exception>
    public IReadOnlyList<FieldReference> GetDependencies(FormulaScope? scope = null) => Binder.Bind(this, scope ?? FormulaScope.Empty).Inputs;

    /// <summary>The formula printed in canonical form (fewest parentheses, single spaces); parsing it gives the same tree.</summary>
    public override string ToString() => Printer.Print(Root);
}
