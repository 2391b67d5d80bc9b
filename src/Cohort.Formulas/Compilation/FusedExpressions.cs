using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cohort.Formulas.Compilation;

/// <summary>
/// The input columns of a fused kernel, as spans held in fields so that an input node of a known index reads its
/// column without an array lookup. At most <see cref="Capacity"/> columns; formulas with more inputs are not fused.
/// </summary>
internal ref struct FusedColumns
{
    public const int Capacity = 8;

    public ReadOnlySpan<double> C0;
    public ReadOnlySpan<double> C1;
    public ReadOnlySpan<double> C2;
    public ReadOnlySpan<double> C3;
    public ReadOnlySpan<double> C4;
    public ReadOnlySpan<double> C5;
    public ReadOnlySpan<double> C6;
    public ReadOnlySpan<double> C7;

    public void Set(int index, ReadOnlySpan<double> column)
    {
        switch (index)
        {
            case 0: C0 = column; break;
            case 1: C1 = column; break;
            case 2: C2 = column; break;
            case 3: C3 = column; break;
            case 4: C4 = column; break;
            case 5: C5 = column; break;
            case 6: C6 = column; break;
            default: C7 = column; break;
        }
    }

    /// <summary>The first value of column <paramref name="index"/>; the switch folds away when the index is a JIT constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref readonly double Start(int index)
    {
        switch (index)
        {
            case 0: return ref MemoryMarshal.GetReference(C0);
            case 1: return ref MemoryMarshal.GetReference(C1);
            case 2: return ref MemoryMarshal.GetReference(C2);
            case 3: return ref MemoryMarshal.GetReference(C3);
            case 4: return ref MemoryMarshal.GetReference(C4);
            case 5: return ref MemoryMarshal.GetReference(C5);
            case 6: return ref MemoryMarshal.GetReference(C6);
            default: return ref MemoryMarshal.GetReference(C7);
        }
    }
}

/// <summary>
/// One node of a fused kernel: a value type whose generic arguments are its children, so that the JIT specializes
/// and inlines the whole formula into one loop (no per-node calls, no intermediate columns). Every node is generic over
/// the vector type and its operations (<see cref="ISimd{TVector}"/>), so one tree shape serves every width.
/// A node calls its children through <c>Unsafe.AsRef(in _child)</c>: C# cannot know that a generic child is a
/// readonly struct, so a plain <c>_child.Evaluate</c> on a readonly field copies the child first — for a large tree
/// (512-bit constants are 64 bytes each) the JIT then kept a copy of the subtree and a call per row vector.
/// </summary>
/// <typeparam name="TVector">The vector type the kernel runs at.</typeparam>
internal interface IFusedExpression<TVector>
    where TVector : struct
{
    /// <summary>The node's values for the vector of rows starting at <paramref name="row"/>.</summary>
    TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row);
}

/// <summary>A column index known to the JIT.</summary>
internal interface IColumnIndex
{
    static abstract int Value { get; }
}

internal readonly struct Column0 : IColumnIndex
{
    public static int Value => 0;
}

internal readonly struct Column1 : IColumnIndex
{
    public static int Value => 1;
}

internal readonly struct Column2 : IColumnIndex
{
    public static int Value => 2;
}

internal readonly struct Column3 : IColumnIndex
{
    public static int Value => 3;
}

internal readonly struct Column4 : IColumnIndex
{
    public static int Value => 4;
}

internal readonly struct Column5 : IColumnIndex
{
    public static int Value => 5;
}

internal readonly struct Column6 : IColumnIndex
{
    public static int Value => 6;
}

internal readonly struct Column7 : IColumnIndex
{
    public static int Value => 7;
}

internal readonly struct FusedInput<TVector, TSimd, TColumn> : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TColumn : IColumnIndex
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row) => TSimd.Load(in columns.Start(TColumn.Value), row);
}

internal readonly struct FusedConstant<TVector, TSimd>(double value) : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
{
    private readonly TVector _value = TSimd.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row) => _value;
}

internal readonly struct FusedUnary<TVector, TSimd, TKernel, TOperand>(TOperand operand) : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TKernel : IUnaryKernel
    where TOperand : struct, IFusedExpression<TVector>
{
    private readonly TOperand _operand = operand;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row) =>
        TKernel.Invoke<TVector, TSimd>(Unsafe.AsRef(in _operand).Evaluate(in columns, row));
}

internal readonly struct FusedBinary<TVector, TSimd, TKernel, TLeft, TRight>(TLeft left, TRight right) : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TKernel : IBinaryKernel
    where TLeft : struct, IFusedExpression<TVector>
    where TRight : struct, IFusedExpression<TVector>
{
    private readonly TLeft _left = left;
    private readonly TRight _right = right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row) =>
        TKernel.Invoke<TVector, TSimd>(Unsafe.AsRef(in _left).Evaluate(in columns, row), Unsafe.AsRef(in _right).Evaluate(in columns, row));
}

internal readonly struct FusedIf<TVector, TSimd, TCondition, TThen, TOtherwise>(TCondition condition, TThen then, TOtherwise otherwise) : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TCondition : struct, IFusedExpression<TVector>
    where TThen : struct, IFusedExpression<TVector>
    where TOtherwise : struct, IFusedExpression<TVector>
{
    private readonly TCondition _condition = condition;
    private readonly TThen _then = then;
    private readonly TOtherwise _otherwise = otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row) =>
        Kernels.If<TVector, TSimd>(Unsafe.AsRef(in _condition).Evaluate(in columns, row), Unsafe.AsRef(in _then).Evaluate(in columns, row), Unsafe.AsRef(in _otherwise).Evaluate(in columns, row));
}

/// <summary>A function with no SIMD form (exp, log, trigonometry, round): called once per lane.</summary>
internal readonly struct FusedPerLaneUnary<TVector, TSimd, TOperand>(Func<double, double> function, TOperand operand) : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TOperand : struct, IFusedExpression<TVector>
{
    private readonly Func<double, double> _function = function;
    private readonly TOperand _operand = operand;

    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row)
    {
        Lanes x = default;
        TSimd.Store(Unsafe.AsRef(in _operand).Evaluate(in columns, row), ref x[0], 0);
        for (var lane = 0; lane < TSimd.Count; lane++)
        {
            x[lane] = _function(x[lane]);
        }

        return TSimd.Load(in x[0], 0);
    }
}

/// <summary>A binary operation with no SIMD form (%, ^, pow, log with a base, round with digits): called once per lane.</summary>
internal readonly struct FusedPerLaneBinary<TVector, TSimd, TLeft, TRight>(Func<double, double, double> function, TLeft left, TRight right) : IFusedExpression<TVector>
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TLeft : struct, IFusedExpression<TVector>
    where TRight : struct, IFusedExpression<TVector>
{
    private readonly Func<double, double, double> _function = function;
    private readonly TLeft _left = left;
    private readonly TRight _right = right;

    public TVector Evaluate(scoped ref readonly FusedColumns columns, nuint row)
    {
        Lanes a = default;
        Lanes b = default;
        TSimd.Store(Unsafe.AsRef(in _left).Evaluate(in columns, row), ref a[0], 0);
        TSimd.Store(Unsafe.AsRef(in _right).Evaluate(in columns, row), ref b[0], 0);
        for (var lane = 0; lane < TSimd.Count; lane++)
        {
            a[lane] = _function(a[lane], b[lane]);
        }

        return TSimd.Load(in a[0], 0);
    }
}
