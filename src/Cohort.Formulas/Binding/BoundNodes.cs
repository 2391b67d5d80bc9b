using System.Collections.Immutable;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas.Binding;

/// <summary>A node of the bound tree: names resolved, analytics inlined, arity checked.</summary>
internal abstract record BoundNode;

internal sealed record BoundConstant(double Value) : BoundNode;

/// <summary>The value of input column <see cref="Index"/> (a device field, see <c>CompiledFormula.Inputs</c>).</summary>
internal sealed record BoundInput(int Index) : BoundNode;

internal sealed record BoundUnary(UnaryOperator Operator, BoundNode Operand) : BoundNode;

internal sealed record BoundBinary(BinaryOperator Operator, BoundNode Left, BoundNode Right) : BoundNode;

/// <summary>A pointwise built-in function (every function that is not time-aware, plus <c>if</c>).</summary>
internal sealed record BoundCall(FunctionKind Function, ImmutableArray<BoundNode> Arguments) : BoundNode
{
    public bool Equals(BoundCall? other) =>
        other is not null && Function == other.Function && Arguments.SequenceEqual(other.Arguments);

    public override int GetHashCode() => HashCode.Combine(Function, Arguments.Length);
}

/// <summary>A time-aware function over the aligned series of its argument.</summary>
internal sealed record BoundSeriesCall(FunctionKind Function, BoundNode Argument, TimeSpan Duration) : BoundNode;
