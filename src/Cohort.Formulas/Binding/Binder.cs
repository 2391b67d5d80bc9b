using System.Collections.Immutable;
using Cohort.Core;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas.Binding;

/// <summary>The outcome of binding: the bound tree and what it depends on.</summary>
internal sealed record BindResult(BoundNode Root, ImmutableArray<FieldReference> Inputs, ImmutableArray<string> Analytics, bool IsPointwise);

/// <summary>
/// Resolves a parsed formula against a scope: functions and their arity, device fields (against the scope's catalog
/// when it has one), named analytics (inlined; cycles refused). Every fault is a <see cref="FormulaException"/>.
/// </summary>
internal sealed class Binder
{
    private readonly FormulaScope _scope;
    private readonly Dictionary<FieldReference, int> _inputs = [];
    private readonly List<FieldReference> _inputOrder = [];
    private readonly List<string> _analyticOrder = [];
    private readonly Dictionary<string, BoundNode> _boundAnalytics = new(StringComparer.Ordinal);
    private readonly List<string> _inProgress = [];
    private bool _timeAware;

    private Binder(FormulaScope scope) => _scope = scope;

    /// <summary>Binds <paramref name="formula"/>; <paramref name="selfName"/> is its own name when it defines an analytic.</summary>
    public static BindResult Bind(Formula formula, FormulaScope scope, string? selfName = null)
    {
        var binder = new Binder(scope);
        if (selfName is not null)
        {
            binder._inProgress.Add(selfName);
        }

        var root = binder.BindNode(formula.Root, formula.Text, null);
        return new BindResult(root, [.. binder._inputOrder], [.. binder._analyticOrder], !binder._timeAware);
    }

    private BoundNode BindNode(FormulaNode node, string text, string? analytic)
    {
        switch (node)
        {
            case NumberNode n:
                return new BoundConstant(n.Value);
            case DurationNode d:
                throw Error(FormulaErrorKind.InvalidArgument, "A duration is only allowed as the window, offset or unit of a time-aware function", text, d, analytic);
            case FieldNode f:
                if (_scope.Fields is { } catalog && !catalog.Contains(f.Field))
                {
                    throw Error(FormulaErrorKind.UnknownField, $"Unknown field '{f.Field}' in this scope", text, f, analytic);
                }

                if (!_inputs.TryGetValue(f.Field, out var index))
                {
                    index = _inputOrder.Count;
                    _inputs.Add(f.Field, index);
                    _inputOrder.Add(f.Field);
                }

                return new BoundInput(index);
            case AnalyticNode a:
                return BindAnalytic(a, text, analytic);
            case UnaryNode u:
                return new BoundUnary(u.Operator, BindNode(u.Operand, text, analytic));
            case BinaryNode b:
                return new BoundBinary(b.Operator, BindNode(b.Left, text, analytic), BindNode(b.Right, text, analytic));
            case CallNode c:
                return BindCall(c, text, analytic);
            default:
                throw new InvalidOperationException($"Unknown node {node.GetType().Name}.");
        }
    }

    private BoundNode BindAnalytic(AnalyticNode node, string text, string? analytic)
    {
        if (_inProgress.Contains(node.Name, StringComparer.Ordinal))
        {
            var start = _inProgress.IndexOf(node.Name);
            var chain = string.Join(" -> ", _inProgress.Skip(start).Append(node.Name));
            throw Error(FormulaErrorKind.Cycle, $"The analytics refer to each other in a cycle: {chain}", text, node, analytic);
        }

        if (_boundAnalytics.TryGetValue(node.Name, out var bound))
        {
            return bound;
        }

        if (!_scope.Analytics.TryGetValue(node.Name, out var formula))
        {
            var hint = FunctionInfo.All.ContainsKey(node.Name) ? $"; to call the function, write {node.Name}(...)" : string.Empty;
            throw Error(FormulaErrorKind.UnknownAnalytic, $"Unknown analytic '{node.Name}' in this scope{hint}", text, node, analytic);
        }

        _inProgress.Add(node.Name);
        bound = BindNode(formula.Root, formula.Text, node.Name);
        _inProgress.RemoveAt(_inProgress.Count - 1);
        _boundAnalytics.Add(node.Name, bound);
        _analyticOrder.Add(node.Name);
        return bound;
    }

    private BoundNode BindCall(CallNode call, string text, string? analytic)
    {
        if (!FunctionInfo.All.TryGetValue(call.Name, out var function))
        {
            throw Error(FormulaErrorKind.UnknownFunction, $"Unknown function '{call.Name}'", text, call, analytic);
        }

        var count = call.Arguments.Length;
        if (count < function.MinArguments || count > function.MaxArguments)
        {
            var expected = function.MinArguments == function.MaxArguments
                ? $"{function.MinArguments} argument{(function.MinArguments == 1 ? string.Empty : "s")}"
                : function.MaxArguments == int.MaxValue
                    ? $"at least {function.MinArguments} argument{(function.MinArguments == 1 ? string.Empty : "s")}"
                    : $"{function.MinArguments} to {function.MaxArguments} arguments";
            throw Error(FormulaErrorKind.WrongArity, $"The function '{call.Name}' takes {expected}, not {count}: {function.Signature}", text, call, analytic);
        }

        if (function.TimeAware)
        {
            _timeAware = true;
            var duration = TimeSpan.Zero;
            if (function.Duration != DurationArgument.None && count == 2)
            {
                if (call.Arguments[1] is not DurationNode d || d.Value <= TimeSpan.Zero && function.Kind != FunctionKind.Shift)
                {
                    throw Error(FormulaErrorKind.InvalidArgument, $"The second argument of '{call.Name}' must be a positive duration such as 15m: {function.Signature}", text, call.Arguments[1], analytic);
                }

                duration = d.Value;
            }
            else if (function.Kind == FunctionKind.Integral)
            {
                duration = TimeSpan.FromSeconds(1);
            }

            return new BoundSeriesCall(function.Kind, BindNode(call.Arguments[0], text, analytic), duration);
        }

        var arguments = ImmutableArray.CreateBuilder<BoundNode>(count);
        foreach (var argument in call.Arguments)
        {
            arguments.Add(BindNode(argument, text, analytic));
        }

        return new BoundCall(function.Kind, arguments.MoveToImmutable());
    }

    private static FormulaException Error(FormulaErrorKind kind, string reason, string text, FormulaNode node, string? analytic) =>
        new(kind, analytic is null ? reason : $"In analytic '{analytic}': {reason}", text, node.Position, node.Length);
}
