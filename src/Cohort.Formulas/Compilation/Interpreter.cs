using System.Collections.Immutable;
using Cohort.Formulas.Binding;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas.Compilation;

/// <summary>
/// The reference semantics: a straightforward tree walk over one row at a time, with missing values as
/// <see langword="null"/> (not NaN), so that the compiled evaluators can be checked against it. A result that is
/// not a number (0/0, sqrt(-1)) is missing.
/// </summary>
internal sealed class Interpreter
{
    private readonly long[] _timestamps;
    private readonly double?[][] _columns;
    private readonly Dictionary<BoundSeriesCall, double?[]> _series = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates an interpreter over aligned rows: a timestamp per row and one column per input (NaN = missing).</summary>
    public Interpreter(ReadOnlySpan<long> timestamps, IReadOnlyList<ReadOnlyMemory<double>> columns)
    {
        _timestamps = timestamps.ToArray();
        _columns = [.. columns.Select(c => c.ToArray().Select(v => double.IsNaN(v) ? (double?)null : v).ToArray())];
    }

    /// <summary>The value of <paramref name="node"/> at every row.</summary>
    public double?[] EvaluateAll(BoundNode node)
    {
        var rows = _columns.Length > 0 ? _columns[0].Length : _timestamps.Length;
        var result = new double?[rows];
        for (var row = 0; row < rows; row++)
        {
            result[row] = Evaluate(node, row);
        }

        return result;
    }

    public double? Evaluate(BoundNode node, int row)
    {
        var value = node switch
        {
            BoundConstant c => c.Value,
            BoundInput i => _columns[i.Index][row],
            BoundUnary u => Unary(u.Operator, Evaluate(u.Operand, row)),
            BoundBinary b => Binary(b.Operator, Evaluate(b.Left, row), Evaluate(b.Right, row)),
            BoundCall c => Call(c.Function, c.Arguments, row),
            BoundSeriesCall s => Series(s)[row],
            _ => throw new InvalidOperationException($"Unknown node {node.GetType().Name}."),
        };
        return value is { } v && double.IsNaN(v) ? null : value;
    }

    private static double? Unary(UnaryOperator op, double? x)
    {
        if (x is not { } v)
        {
            return null;
        }

        return op == UnaryOperator.Negate ? -v : v == 0 ? 1 : 0;
    }

    private static double? Binary(BinaryOperator op, double? left, double? right)
    {
        if (left is not { } a || right is not { } b)
        {
            return null;
        }

        return op switch
        {
            BinaryOperator.Add => a + b,
            BinaryOperator.Subtract => a - b,
            BinaryOperator.Multiply => a * b,
            BinaryOperator.Divide => b == 0 ? null : a / b,
            BinaryOperator.Modulo => b == 0 ? null : a % b,
            BinaryOperator.Power => Math.Pow(a, b),
            BinaryOperator.Less => a < b ? 1 : 0,
            BinaryOperator.LessOrEqual => a <= b ? 1 : 0,
            BinaryOperator.Greater => a > b ? 1 : 0,
            BinaryOperator.GreaterOrEqual => a >= b ? 1 : 0,
            BinaryOperator.Equal => a == b ? 1 : 0,
            BinaryOperator.NotEqual => a != b ? 1 : 0,
            BinaryOperator.And => a != 0 && b != 0 ? 1 : 0,
            _ => a != 0 || b != 0 ? 1 : 0,
        };
    }

    private double? Call(FunctionKind function, ImmutableArray<BoundNode> arguments, int row)
    {
        switch (function)
        {
            case FunctionKind.Coalesce:
                foreach (var argument in arguments)
                {
                    if (Evaluate(argument, row) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case FunctionKind.If:
                return Evaluate(arguments[0], row) switch
                {
                    null => null,
                    0 => Evaluate(arguments[2], row),
                    _ => Evaluate(arguments[1], row),
                };
        }

        var values = new double[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            if (Evaluate(arguments[i], row) is not { } v)
            {
                return null;
            }

            values[i] = v;
        }

        var x = values[0];
        return function switch
        {
            FunctionKind.Pos => x > 0 ? x : 0,
            FunctionKind.Neg => x < 0 ? x : 0,
            FunctionKind.Abs => Math.Abs(x),
            FunctionKind.Min => values.Min(),
            FunctionKind.Max => values.Max(),
            FunctionKind.Clamp => Math.Min(Math.Max(x, values[1]), values[2]),
            FunctionKind.Round when values.Length == 1 => Math.Round(x, MidpointRounding.AwayFromZero),
            FunctionKind.Round => Math.Truncate(values[1]) is var d && d >= 0 && d <= 15 ? Math.Round(x, (int)d, MidpointRounding.AwayFromZero) : null,
            FunctionKind.Floor => Math.Floor(x),
            FunctionKind.Ceil => Math.Ceiling(x),
            FunctionKind.Sqrt => Math.Sqrt(x),
            FunctionKind.Pow => Math.Pow(x, values[1]),
            FunctionKind.Exp => Math.Exp(x),
            FunctionKind.Log when values.Length == 1 => Math.Log(x),
            FunctionKind.Log => Math.Log(x, values[1]),
            FunctionKind.Sin => Math.Sin(x),
            FunctionKind.Cos => Math.Cos(x),
            FunctionKind.Tan => Math.Tan(x),
            _ => throw new InvalidOperationException($"Unknown function {function}."),
        };
    }

    private double?[] Series(BoundSeriesCall call)
    {
        if (_series.TryGetValue(call, out var cached))
        {
            return cached;
        }

        var x = EvaluateAll(call.Argument);
        var t = _timestamps;
        var result = new double?[x.Length];
        var durationNs = call.Duration.Ticks * 100;
        switch (call.Function)
        {
            case FunctionKind.Delta:
                for (var i = 1; i < x.Length; i++)
                {
                    result[i] = x[i] - x[i - 1];
                }

                break;
            case FunctionKind.Rate:
                for (var i = 1; i < x.Length; i++)
                {
                    result[i] = (x[i] - x[i - 1]) / ((t[i] - t[i - 1]) / 1e9);
                }

                break;
            case FunctionKind.Integral:
                double? total = null;
                for (var i = 0; i < x.Length; i++)
                {
                    if (total is null && x[i] is not null)
                    {
                        total = 0;
                    }
                    else if (i > 0 && x[i] is { } now && x[i - 1] is { } before)
                    {
                        total += (before + now) / 2 * ((t[i] - t[i - 1]) / (double)durationNs);
                    }

                    result[i] = total;
                }

                break;
            case FunctionKind.MovingAverage:
                for (var i = 0; i < x.Length; i++)
                {
                    var window = Enumerable.Range(0, i + 1).Where(j => t[j] > t[i] - durationNs && x[j] is not null).Select(j => x[j]!.Value).ToList();
                    result[i] = window.Count == 0 ? null : window.Sum() / window.Count;
                }

                break;
            case FunctionKind.Shift:
                for (var i = 0; i < x.Length; i++)
                {
                    var j = Array.FindLastIndex(t, ts => ts <= t[i] - durationNs);
                    result[i] = j < 0 ? null : x[j];
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown function {call.Function}.");
        }

        for (var i = 0; i < result.Length; i++)
        {
            if (result[i] is { } v && double.IsNaN(v))
            {
                result[i] = null;
            }
        }

        _series.Add(call, result);
        return result;
    }
}
