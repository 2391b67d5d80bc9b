using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cohort.Formulas.Compilation;

/// <summary>
/// A whole pointwise formula as one loop over the rows: each iteration loads one vector of every input, evaluates the
/// entire tree in registers and stores one vector of results. No intermediate columns, no per-node calls: the tree is
/// a nest of value types (<see cref="IFusedExpression{TVector}"/>) that the JIT specializes. The same tree is built for
/// any vector width (<see cref="SimdWidth"/>): the width is the first two generic arguments of every node.
/// </summary>
internal abstract class FusedKernel
{
    /// <summary>The vector width this kernel runs at.</summary>
    public abstract SimdWidth Width { get; }

    /// <summary>Evaluates every row (output.Length) of the columns, which are at least that long.</summary>
    public abstract void Run(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> output);

    /// <summary>
    /// Builds the kernel for a planned tree at a vector width (<see cref="WidthFor"/> in production; tests build
    /// every width), or returns null where it cannot be fused: no JIT (native AOT), no SIMD width, more than
    /// <see cref="FusedColumns.Capacity"/> inputs, a tree deeper than <see cref="MaxDepth"/> or larger than
    /// <see cref="MaxNodes"/>, or a runtime that refuses the generic types.
    /// </summary>
    public static FusedKernel? TryCreate(BatchNode root, SimdWidth width)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported || width == SimdWidth.None || Depth(root) > MaxDepth || Count(root) > MaxNodes || !InputsFit(root))
        {
            return null;
        }

        try
        {
            var (vector, operations) = Simd.Types(width);
            var (type, value) = new Builder(vector, operations).Build(root);
            var kernel = typeof(FusedKernel<,,>).MakeGenericType(vector, operations, type);
            return (FusedKernel)Activator.CreateInstance(kernel, width, value)!;
        }
        catch (Exception error) when (error is TypeLoadException or NotSupportedException or ArgumentException or MemberAccessException)
        {
            // The chunked evaluator gives the same results; fusing is only an optimization.
            return null;
        }
    }

    /// <summary>
    /// Beyond this depth or size the nested generic types get unwieldy and the JIT stops inlining; such formulas run
    /// through the chunked evaluator instead.
    /// </summary>
    public const int MaxDepth = 32;

    /// <inheritdoc cref="MaxDepth"/>
    public const int MaxNodes = 256;

    private static readonly Type[] ColumnTypes =
        [typeof(Column0), typeof(Column1), typeof(Column2), typeof(Column3), typeof(Column4), typeof(Column5), typeof(Column6), typeof(Column7)];

    private static int Depth(BatchNode node) => node is ConstantNode ? 1 : 1 + node.Children.Select(Depth).DefaultIfEmpty(0).Max();

    private static int Count(BatchNode node) => 1 + node.Children.Sum(Count);

    /// <summary>The width a planned tree runs at: <see cref="Simd.For"/> of its operations (nodes that are not leaves) and distinct inputs.</summary>
    public static SimdWidth WidthFor(BatchNode root) => Simd.For(Operations(root), Inputs(root).Distinct().Count());

    private static int Operations(BatchNode node) => node is ConstantNode or InputNode ? 0 : 1 + node.Children.Sum(Operations);

    private static IEnumerable<int> Inputs(BatchNode node) => node is InputNode input ? [input.Index] : node.Children.SelectMany(Inputs);

    private static bool InputsFit(BatchNode node) =>
        node is InputNode input ? input.Index < FusedColumns.Capacity : node.Children.All(InputsFit);

    /// <summary>Turns a planned tree into nested expression types of one width (the vector type and its operations).</summary>
    private sealed class Builder(Type vector, Type operations)
    {
        public (Type Type, object Value) Build(BatchNode node)
        {
            switch (node)
            {
                case ConstantNode constant:
                    return Create(typeof(FusedConstant<,>), [], [constant.Value], []);
                case InputNode input:
                    return Create(typeof(FusedInput<,,>), [ColumnTypes[input.Index]], [], []);
                case IfNode:
                    return Create(typeof(FusedIf<,,,,>), [], [], node.Children);
                case ScalarUnaryNode scalar:
                    return Create(typeof(FusedPerLaneUnary<,,>), [], [scalar.Function], node.Children);
                case ScalarBinaryNode scalar:
                    return Create(typeof(FusedPerLaneBinary<,,,>), [], [scalar.Function], node.Children);
                default:
                    var definition = node.GetType().GetGenericTypeDefinition();
                    var kernel = node.GetType().GetGenericArguments()[0];
                    if (kernel == typeof(DivideKernel) && node.Children[1] is ConstantNode { Value: not 0 })
                    {
                        // Dividing by a constant that is not zero never needs the zero test.
                        kernel = typeof(NonZeroDivideKernel);
                    }

                    var fused = definition == typeof(UnaryNode<>) ? typeof(FusedUnary<,,,>) : typeof(FusedBinary<,,,,>);
                    return Create(fused, [kernel], [], node.Children);
            }
        }

        private (Type Type, object Value) Create(Type definition, Type[] kernels, object[] state, IReadOnlyList<BatchNode> children)
        {
            var built = children.Select(Build).ToArray();
            var type = definition.MakeGenericType([vector, operations, .. kernels, .. built.Select(b => b.Type)]);
            return (type, Activator.CreateInstance(type, [.. state, .. built.Select(b => b.Value)])!);
        }
    }
}

/// <summary>The loop of a fused kernel, specialized by the JIT for one formula's expression type at one width.</summary>
internal sealed class FusedKernel<TVector, TSimd, TExpression>(SimdWidth width, TExpression expression) : FusedKernel
    where TVector : struct
    where TSimd : ISimd<TVector>
    where TExpression : struct, IFusedExpression<TVector>
{
    private readonly TExpression _expression = expression;

    public override SimdWidth Width { get; } = width;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> output)
    {
        // A local copy: its constants can live in registers across the loop's stores.
        var expression = _expression;
        var width = TSimd.Count;
        var rows = output.Length;
        var inputs = Math.Min(columns.Length, FusedColumns.Capacity);
        scoped var frame = default(FusedColumns);
        for (var c = 0; c < inputs; c++)
        {
            frame.Set(c, columns[c].Span);
        }

        ref var destination = ref MemoryMarshal.GetReference(output);
        var whole = rows - (rows % width);
        for (nuint row = 0; row < (nuint)whole; row += (nuint)width)
        {
            TSimd.Store(expression.Evaluate(in frame, row), ref destination, row);
        }

        if (whole == rows)
        {
            return;
        }

        // The last partial vector: copy the remaining rows of every input into a zero-padded vector, evaluate it
        // like the others and keep the lanes that are rows. Every operation is per lane, so padding cannot leak.
        var remaining = rows - whole;
        Span<double> padded = stackalloc double[FusedColumns.Capacity * Simd.MaxCount];
        padded.Clear();
        for (var c = 0; c < inputs; c++)
        {
            var lanes = padded.Slice(c * width, width);
            columns[c].Span.Slice(whole, remaining).CopyTo(lanes);
            frame.Set(c, lanes);
        }

        Lanes last = default;
        TSimd.Store(expression.Evaluate(in frame, 0), ref last[0], 0);
        ((ReadOnlySpan<double>)last)[..remaining].CopyTo(output[whole..]);
    }
}
