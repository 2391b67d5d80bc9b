using System.Linq.Expressions;
using System.Reflection;
using Cohort.Formulas.Binding;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas.Compilation;

/// <summary>Compiles a pointwise bound tree to a delegate over one row of inputs (NaN = missing) with expression trees.</summary>
internal static class ScalarCompiler
{
    public static Func<double[], double> Compile(BoundNode root)
    {
        var inputs = Expression.Parameter(typeof(double[]), "inputs");
        var body = Build(root, inputs);
        return Expression.Lambda<Func<double[], double>>(body, inputs).Compile();
    }

    private static Expression Build(BoundNode node, ParameterExpression inputs) => node switch
    {
        BoundConstant c => Expression.Constant(c.Value),
        BoundInput i => Expression.ArrayIndex(inputs, Expression.Constant(i.Index)),
        BoundUnary { Operator: UnaryOperator.Negate } u => Expression.Negate(Build(u.Operand, inputs)),
        BoundUnary u => Call(nameof(ScalarOps.Not), Build(u.Operand, inputs)),
        BoundBinary b => BuildBinary(b, inputs),
        BoundCall c => BuildCall(c, inputs),
        _ => throw new InvalidOperationException($"{node.GetType().Name} cannot be evaluated pointwise."),
    };

    private static Expression BuildBinary(BoundBinary b, ParameterExpression inputs)
    {
        var left = Build(b.Left, inputs);
        var right = Build(b.Right, inputs);
        return b.Operator switch
        {
            BinaryOperator.Add => Expression.Add(left, right),
            BinaryOperator.Subtract => Expression.Subtract(left, right),
            BinaryOperator.Multiply => Expression.Multiply(left, right),
            BinaryOperator.Divide => Call(nameof(ScalarOps.Divide), left, right),
            BinaryOperator.Modulo => Call(nameof(ScalarOps.Modulo), left, right),
            BinaryOperator.Power => Call(nameof(ScalarOps.Power), left, right),
            BinaryOperator.Less => Call(nameof(ScalarOps.Less), left, right),
            BinaryOperator.LessOrEqual => Call(nameof(ScalarOps.LessOrEqual), left, right),
            BinaryOperator.Greater => Call(nameof(ScalarOps.Greater), left, right),
            BinaryOperator.GreaterOrEqual => Call(nameof(ScalarOps.GreaterOrEqual), left, right),
            BinaryOperator.Equal => Call(nameof(ScalarOps.Equal), left, right),
            BinaryOperator.NotEqual => Call(nameof(ScalarOps.NotEqual), left, right),
            BinaryOperator.And => Call(nameof(ScalarOps.And), left, right),
            _ => Call(nameof(ScalarOps.Or), left, right),
        };
    }

    private static Expression BuildCall(BoundCall call, ParameterExpression inputs)
    {
        var args = call.Arguments.Select(a => Build(a, inputs)).ToArray();
        return call.Function switch
        {
            FunctionKind.Pos => Call(nameof(ScalarOps.Pos), args),
            FunctionKind.Neg => Call(nameof(ScalarOps.Neg), args),
            FunctionKind.Abs => MathCall(nameof(Math.Abs), args),
            FunctionKind.Min => args.Aggregate((a, b) => MathCall(nameof(Math.Min), a, b)),
            FunctionKind.Max => args.Aggregate((a, b) => MathCall(nameof(Math.Max), a, b)),
            FunctionKind.Coalesce => args.Aggregate((a, b) => Call(nameof(ScalarOps.Coalesce), a, b)),
            FunctionKind.Clamp => Call(nameof(ScalarOps.Clamp), args),
            FunctionKind.Round => Call(nameof(ScalarOps.Round), args),
            FunctionKind.Floor => MathCall(nameof(Math.Floor), args),
            FunctionKind.Ceil => MathCall(nameof(Math.Ceiling), args),
            FunctionKind.Sqrt => MathCall(nameof(Math.Sqrt), args),
            FunctionKind.Pow => Call(nameof(ScalarOps.Power), args),
            FunctionKind.Exp => MathCall(nameof(Math.Exp), args),
            FunctionKind.Log when args.Length == 1 => MathCall(nameof(Math.Log), args),
            FunctionKind.Log => Call(nameof(ScalarOps.Log), args),
            FunctionKind.Sin => MathCall(nameof(Math.Sin), args),
            FunctionKind.Cos => MathCall(nameof(Math.Cos), args),
            FunctionKind.Tan => MathCall(nameof(Math.Tan), args),
            FunctionKind.If => Call(nameof(ScalarOps.If), args),
            _ => throw new InvalidOperationException($"{call.Function} is not a pointwise function."),
        };
    }

    private static MethodCallExpression Call(string name, params Expression[] args) =>
        Expression.Call(Method(typeof(ScalarOps), name, args.Length), args);

    private static MethodCallExpression MathCall(string name, params Expression[] args) =>
        Expression.Call(Method(typeof(Math), name, args.Length), args);

    private static MethodInfo Method(Type type, string name, int arity) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, [.. Enumerable.Repeat(typeof(double), arity)])
        ?? throw new InvalidOperationException($"{type.Name}.{name} with {arity} double arguments was not found.");
}
