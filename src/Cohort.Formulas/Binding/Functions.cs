using System.Collections.Frozen;

namespace Cohort.Formulas.Binding;

internal enum FunctionKind
{
    Pos,
    Neg,
    Abs,
    Min,
    Max,
    Clamp,
    Round,
    Floor,
    Ceil,
    Sqrt,
    Pow,
    Exp,
    Log,
    Sin,
    Cos,
    Tan,
    Coalesce,
    If,
    Delta,
    Rate,
    Integral,
    MovingAverage,
    Shift,
}

/// <summary>How a function's trailing duration argument is used, for the time-aware functions.</summary>
internal enum DurationArgument
{
    None,
    Optional,
    Required,
}

/// <summary>A built-in function: its name, arity and whether it looks along the time axis.</summary>
internal sealed record FunctionInfo(string Name, FunctionKind Kind, int MinArguments, int MaxArguments, bool TimeAware, DurationArgument Duration = DurationArgument.None, string Signature = "")
{
    public static readonly FrozenDictionary<string, FunctionInfo> All = new FunctionInfo[]
    {
        new("pos", FunctionKind.Pos, 1, 1, false, Signature: "pos(x)"),
        new("neg", FunctionKind.Neg, 1, 1, false, Signature: "neg(x)"),
        new("abs", FunctionKind.Abs, 1, 1, false, Signature: "abs(x)"),
        new("min", FunctionKind.Min, 1, int.MaxValue, false, Signature: "min(x, ...)"),
        new("max", FunctionKind.Max, 1, int.MaxValue, false, Signature: "max(x, ...)"),
        new("clamp", FunctionKind.Clamp, 3, 3, false, Signature: "clamp(x, low, high)"),
        new("round", FunctionKind.Round, 1, 2, false, Signature: "round(x) or round(x, digits)"),
        new("floor", FunctionKind.Floor, 1, 1, false, Signature: "floor(x)"),
        new("ceil", FunctionKind.Ceil, 1, 1, false, Signature: "ceil(x)"),
        new("sqrt", FunctionKind.Sqrt, 1, 1, false, Signature: "sqrt(x)"),
        new("pow", FunctionKind.Pow, 2, 2, false, Signature: "pow(x, y)"),
        new("exp", FunctionKind.Exp, 1, 1, false, Signature: "exp(x)"),
        new("log", FunctionKind.Log, 1, 2, false, Signature: "log(x) or log(x, base)"),
        new("sin", FunctionKind.Sin, 1, 1, false, Signature: "sin(x)"),
        new("cos", FunctionKind.Cos, 1, 1, false, Signature: "cos(x)"),
        new("tan", FunctionKind.Tan, 1, 1, false, Signature: "tan(x)"),
        new("coalesce", FunctionKind.Coalesce, 1, int.MaxValue, false, Signature: "coalesce(x, ...)"),
        new("if", FunctionKind.If, 3, 3, false, Signature: "if(condition, then, else)"),
        new("delta", FunctionKind.Delta, 1, 1, true, Signature: "delta(x)"),
        new("rate", FunctionKind.Rate, 1, 1, true, Signature: "rate(x)"),
        new("integral", FunctionKind.Integral, 1, 2, true, DurationArgument.Optional, "integral(x) or integral(x, unit)"),
        new("moving_avg", FunctionKind.MovingAverage, 2, 2, true, DurationArgument.Required, "moving_avg(x, window)"),
        new("shift", FunctionKind.Shift, 2, 2, true, DurationArgument.Required, "shift(x, offset)"),
    }.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
}
