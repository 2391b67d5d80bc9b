using System.Collections.Immutable;
using Cohort.Core;

namespace Cohort.Formulas.Parsing;

/// <summary>The unary operators.</summary>
internal enum UnaryOperator
{
    Negate,
    Not,
}

/// <summary>The binary operators.</summary>
internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Power,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

/// <summary>
/// A node of the immutable syntax tree. Equality is structural and ignores where the node was written
/// (<see cref="Position"/>, <see cref="Length"/>), so a printed and re-parsed formula equals the original.
/// </summary>
internal abstract record FormulaNode
{
    /// <summary>The 0-based character offset where the node starts in its formula text.</summary>
    public int Position { get; init; }

    /// <summary>How many characters the node's head token spans (used for carets).</summary>
    public int Length { get; init; } = 1;

    /// <summary>Tree depth, counted by the parser to refuse formulas nested too deeply.</summary>
    public int Depth { get; init; } = 1;

    /// <summary>Structural equality: the same node type (the derived records compare their own members).</summary>
    public virtual bool Equals(FormulaNode? other) => other is not null && EqualityContract == other.EqualityContract;

    /// <inheritdoc />
    public override int GetHashCode() => EqualityContract.GetHashCode();
}

internal sealed record NumberNode(double Value) : FormulaNode;

/// <summary>A duration literal such as <c>15m</c>; only allowed where a function takes a window or an offset.</summary>
internal sealed record DurationNode(TimeSpan Value) : FormulaNode;

internal sealed record FieldNode(FieldReference Field) : FormulaNode;

internal sealed record AnalyticNode(string Name) : FormulaNode;

internal sealed record UnaryNode(UnaryOperator Operator, FormulaNode Operand) : FormulaNode;

internal sealed record BinaryNode(BinaryOperator Operator, FormulaNode Left, FormulaNode Right) : FormulaNode;

internal sealed record CallNode(string Name, ImmutableArray<FormulaNode> Arguments) : FormulaNode
{
    public bool Equals(CallNode? other) =>
        other is not null && base.Equals(other) && string.Equals(Name, other.Name, StringComparison.Ordinal) &&
        Arguments.SequenceEqual(other.Arguments);

    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Name), Arguments.Length);
}
