using System.Buffers;
using System.Collections.Immutable;
using Cohort.Formulas.Binding;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas.Compilation;

/// <summary>The columns and scratch space of one batch evaluation.</summary>
internal readonly ref struct BatchFrame
{
    public BatchFrame(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> scratch, int chunk)
    {
        Columns = columns;
        Scratch = scratch;
        Chunk = chunk;
    }

    public ReadOnlySpan<ReadOnlyMemory<double>> Columns { get; }

    public Span<double> Scratch { get; }

    public int Chunk { get; }

    public Span<double> Slot(int slot, int count) => Scratch.Slice(slot * Chunk, count);
}

/// <summary>
/// A pointwise formula compiled for columns. Once a formula has evaluated <see cref="FuseAfterRows"/> rows in total (a
/// single batch that large at once), it runs through a <see cref="FusedKernel"/>: the whole tree as one SIMD loop over
/// the rows. Until then, and for formulas that cannot be fused, it runs the planned tree chunk by chunk: each
/// operation runs over a chunk of rows at a time with SIMD loops where the operator allows (arithmetic, comparisons,
/// logic, min/max, abs, sqrt, floor, ceil, if, coalesce) and a scalar loop otherwise (%, ^, exp, log, trigonometry,
/// round). Both give the same results. Immutable and thread-safe: every evaluation rents its own scratch space.
/// </summary>
internal sealed class BatchProgram
{
    /// <summary>Rows per chunk: small enough that every intermediate column stays in cache.</summary>
    public const int ChunkRows = 1024;

    /// <summary>
    /// Rows evaluated in total before the fused kernel is generated. Generating it (reflection, then the JIT on its
    /// first run) costs 5–30 ms of CPU once per formula, about what the chunked evaluator spends on a few million rows:
    /// a formula only ever evaluated on small batches never pays it, a busy one pays it back quickly.
    /// </summary>
    public const long FuseAfterRows = 1 << 20;

    private readonly BatchNode _root;
    private readonly int _slots;
    private readonly Lazy<FusedKernel?> _fused;
    private long _rowsEvaluated;

    private BatchProgram(BatchNode root, int slots)
    {
        _root = root;
        _slots = slots;
        _fused = new Lazy<FusedKernel?>(() => FusedKernel.TryCreate(root, FusedKernel.WidthFor(root)));
    }

    /// <summary>The fused kernel, generated on first use; null when the formula cannot be fused.</summary>
    internal FusedKernel? Fused => _fused.Value;

    /// <summary>The planned tree.</summary>
    internal BatchNode Root => _root;

    /// <summary>A fused kernel at another width than the machine's preferred one (tests check every width).</summary>
    internal FusedKernel? FuseAt(SimdWidth width) => FusedKernel.TryCreate(_root, width);

    /// <summary>Whether the fused kernel has been generated (or found impossible) yet.</summary>
    internal bool FusionAttempted => _fused.IsValueCreated;

    public static BatchProgram Compile(BoundNode node)
    {
        var builder = new Builder();
        var root = builder.Build(node);
        return new BatchProgram(root, builder.Slots);
    }

    /// <summary>Evaluates every row: <paramref name="output"/>.Length rows of the columns.</summary>
    public void Run(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> output)
    {
        var fuse = _fused.IsValueCreated || Interlocked.Add(ref _rowsEvaluated, output.Length) >= FuseAfterRows;
        if (fuse && Fused is { } fused)
        {
            fused.Run(columns, output);
            return;
        }

        RunChunked(columns, output);
    }

    /// <summary>Evaluates every row with the planned tree, chunk by chunk (no fused kernel).</summary>
    internal void RunChunked(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> output)
    {
        var rows = output.Length;
        var chunk = Math.Min(ChunkRows, Math.Max(rows, 1));
        var rented = _slots == 0 ? null : ArrayPool<double>.Shared.Rent(_slots * chunk);
        try
        {
            var frame = new BatchFrame(columns, rented, chunk);
            for (var start = 0; start < rows; start += chunk)
            {
                var count = Math.Min(chunk, rows - start);
                _root.Write(frame, start, count, output.Slice(start, count));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
    }

    private sealed class Builder
    {
        public int Slots { get; private set; }

        public BatchNode Build(BoundNode node)
        {
            var built = node switch
            {
                BoundConstant c => new ConstantNode(c.Value),
                BoundInput i => new InputNode(i.Index),
                BoundUnary { Operator: UnaryOperator.Negate } u => Unary<NegateKernel>(u.Operand),
                BoundUnary u => Unary<NotKernel>(u.Operand),
                BoundBinary b => BuildBinary(b),
                BoundCall c => BuildCall(c),
                _ => throw new InvalidOperationException($"{node.GetType().Name} cannot be evaluated pointwise."),
            };
            return Fold(built);
        }

        private BatchNode BuildBinary(BoundBinary b) => b.Operator switch
        {
            BinaryOperator.Add => Binary<AddKernel>(b.Left, b.Right),
            BinaryOperator.Subtract => Binary<SubtractKernel>(b.Left, b.Right),
            BinaryOperator.Multiply => Binary<MultiplyKernel>(b.Left, b.Right),
            BinaryOperator.Divide => Binary<DivideKernel>(b.Left, b.Right),
            BinaryOperator.Modulo => Scalar(ScalarOps.Modulo, b.Left, b.Right),
            BinaryOperator.Power => Scalar(ScalarOps.Power, b.Left, b.Right),
            BinaryOperator.Less => Binary<LessKernel>(b.Left, b.Right),
            BinaryOperator.LessOrEqual => Binary<LessOrEqualKernel>(b.Left, b.Right),
            BinaryOperator.Greater => Binary<GreaterKernel>(b.Left, b.Right),
            BinaryOperator.GreaterOrEqual => Binary<GreaterOrEqualKernel>(b.Left, b.Right),
            BinaryOperator.Equal => Binary<EqualKernel>(b.Left, b.Right),
            BinaryOperator.NotEqual => Binary<NotEqualKernel>(b.Left, b.Right),
            BinaryOperator.And => Binary<AndKernel>(b.Left, b.Right),
            _ => Binary<OrKernel>(b.Left, b.Right),
        };

        private BatchNode BuildCall(BoundCall call)
        {
            var args = call.Arguments;
            return call.Function switch
            {
                FunctionKind.Pos => Fold(Slotted(new BinaryNode<MaxKernel>(Build(args[0]), Slotted(new ConstantNode(0))))),
                FunctionKind.Neg => Fold(Slotted(new BinaryNode<MinKernel>(Build(args[0]), Slotted(new ConstantNode(0))))),
                FunctionKind.Abs => Unary<AbsKernel>(args[0]),
                FunctionKind.Min => Chain<MinKernel>(args),
                FunctionKind.Max => Chain<MaxKernel>(args),
                FunctionKind.Coalesce => Chain<CoalesceKernel>(args),
                FunctionKind.Clamp => Fold(Slotted(new BinaryNode<MinKernel>(Fold(Slotted(new BinaryNode<MaxKernel>(Build(args[0]), Build(args[1])))), Build(args[2])))),
                FunctionKind.Round when args.Length == 1 => Scalar(ScalarOps.Round, args[0]),
                FunctionKind.Round => Scalar(ScalarOps.Round, args[0], args[1]),
                FunctionKind.Floor => Unary<FloorKernel>(args[0]),
                FunctionKind.Ceil => Unary<CeilingKernel>(args[0]),
                FunctionKind.Sqrt => Unary<SqrtKernel>(args[0]),
                FunctionKind.Pow => Scalar(ScalarOps.Power, args[0], args[1]),
                FunctionKind.Exp => Scalar(Math.Exp, args[0]),
                FunctionKind.Log when args.Length == 1 => Scalar(Math.Log, args[0]),
                FunctionKind.Log => Scalar(ScalarOps.Log, args[0], args[1]),
                FunctionKind.Sin => Scalar(Math.Sin, args[0]),
                FunctionKind.Cos => Scalar(Math.Cos, args[0]),
                FunctionKind.Tan => Scalar(Math.Tan, args[0]),
                FunctionKind.If => Slotted(new IfNode(Build(args[0]), Build(args[1]), Build(args[2]))),
                _ => throw new InvalidOperationException($"{call.Function} is not a pointwise function."),
            };
        }

        private BatchNode Chain<TKernel>(ImmutableArray<BoundNode> args)
            where TKernel : IBinaryKernel
        {
            var node = Build(args[0]);
            for (var i = 1; i < args.Length; i++)
            {
                node = Fold(Slotted(new BinaryNode<TKernel>(node, Build(args[i]))));
            }

            return node;
        }

        private BatchNode Unary<TKernel>(BoundNode operand)
            where TKernel : IUnaryKernel => Slotted(new UnaryNode<TKernel>(Build(operand)));

        private BatchNode Binary<TKernel>(BoundNode left, BoundNode right)
            where TKernel : IBinaryKernel => Slotted(new BinaryNode<TKernel>(Build(left), Build(right)));

        private BatchNode Scalar(Func<double, double> function, BoundNode operand) =>
            Slotted(new ScalarUnaryNode(function, Build(operand)));

        private BatchNode Scalar(Func<double, double, double> function, BoundNode left, BoundNode right) =>
            Slotted(new ScalarBinaryNode(function, Build(left), Build(right)));

        private BatchNode Slotted(BatchNode node)
        {
            if (node is not InputNode && node.Slot < 0)
            {
                node.Slot = Slots++;
            }

            return node;
        }

        /// <summary>Evaluates an operation whose operands are all constants once, at compile time.</summary>
        private BatchNode Fold(BatchNode node)
        {
            node = Slotted(node);
            if (node is ConstantNode || node.Children.Length == 0 || !node.Children.All(c => c is ConstantNode))
            {
                return node;
            }

            var scratch = new double[Slots];
            var result = new double[1];
            node.Write(new BatchFrame([], scratch, 1), 0, 1, result);
            return Slotted(new ConstantNode(result[0]));
        }
    }
}

internal abstract class BatchNode
{
    public int Slot { get; set; } = -1;

    public virtual ImmutableArray<BatchNode> Children => [];

    /// <summary>Writes the node's values for rows [start, start + count) into <paramref name="destination"/>.</summary>
    public abstract void Write(in BatchFrame frame, int start, int count, Span<double> destination);

    /// <summary>The node's values for the rows, computed into its scratch slot (inputs return their column directly).</summary>
    public virtual ReadOnlySpan<double> Read(in BatchFrame frame, int start, int count)
    {
        var slot = frame.Slot(Slot, count);
        Write(frame, start, count, slot);
        return slot;
    }
}

internal sealed class ConstantNode(double value) : BatchNode
{
    public double Value { get; } = value;

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination) => destination.Fill(Value);
}

internal sealed class InputNode(int index) : BatchNode
{
    public int Index { get; } = index;

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination) =>
        Read(frame, start, count).CopyTo(destination);

    public override ReadOnlySpan<double> Read(in BatchFrame frame, int start, int count) =>
        frame.Columns[Index].Span.Slice(start, count);
}

internal sealed class UnaryNode<TKernel>(BatchNode operand) : BatchNode
    where TKernel : IUnaryKernel
{
    public override ImmutableArray<BatchNode> Children => [operand];

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination) =>
        Kernels.Unary<TKernel>(operand.Read(frame, start, count), destination);
}

internal sealed class BinaryNode<TKernel>(BatchNode left, BatchNode right) : BatchNode
    where TKernel : IBinaryKernel
{
    public override ImmutableArray<BatchNode> Children => [left, right];

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination)
    {
        if (right is ConstantNode constantRight)
        {
            Kernels.BinaryScalarRight<TKernel>(left.Read(frame, start, count), constantRight.Value, destination);
        }
        else if (left is ConstantNode constantLeft)
        {
            Kernels.BinaryScalarLeft<TKernel>(constantLeft.Value, right.Read(frame, start, count), destination);
        }
        else
        {
            Kernels.Binary<TKernel>(left.Read(frame, start, count), right.Read(frame, start, count), destination);
        }
    }
}

internal sealed class IfNode(BatchNode condition, BatchNode then, BatchNode otherwise) : BatchNode
{
    public override ImmutableArray<BatchNode> Children => [condition, then, otherwise];

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination) =>
        Kernels.If(condition.Read(frame, start, count), then.Read(frame, start, count), otherwise.Read(frame, start, count), destination);
}

internal sealed class ScalarUnaryNode(Func<double, double> function, BatchNode operand) : BatchNode
{
    public Func<double, double> Function { get; } = function;

    public override ImmutableArray<BatchNode> Children => [operand];

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination)
    {
        var x = operand.Read(frame, start, count);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Function(x[i]);
        }
    }
}

internal sealed class ScalarBinaryNode(Func<double, double, double> function, BatchNode left, BatchNode right) : BatchNode
{
    public Func<double, double, double> Function { get; } = function;

    public override ImmutableArray<BatchNode> Children => [left, right];

    public override void Write(in BatchFrame frame, int start, int count, Span<double> destination)
    {
        var a = left.Read(frame, start, count);
        var b = right.Read(frame, start, count);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Function(a[i], b[i]);
        }
    }
}
