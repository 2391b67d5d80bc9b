using System.Buffers;
using System.Collections.Immutable;
using Cohort.Core;
using Cohort.Formulas.Binding;
using Cohort.Formulas.Compilation;
using Cohort.Formulas.Parsing;

namespace Cohort.Formulas;

/// <summary>
/// A formula bound against a scope and compiled: a scalar delegate for one row and a SIMD batch evaluator for aligned
/// columns, both with NaN as the missing value. Immutable and thread-safe; compile once, evaluate many times.
/// </summary>
public sealed class CompiledFormula
{
    // The expression tree is compiled to IL on first use: most callers only use the batch evaluator, and
    // LambdaExpression.Compile costs ~200 µs. Every error is found before this (parse and bind), never here.
    private readonly Lazy<Func<double[], double>>? _scalar;
    private readonly BatchProgram _program;
    private readonly ImmutableArray<SeriesStage> _stages;

    private CompiledFormula(Formula formula, BindResult bound, Lazy<Func<double[], double>>? scalar, BatchProgram program, ImmutableArray<SeriesStage> stages)
    {
        Formula = formula;
        Bound = bound.Root;
        Inputs = bound.Inputs;
        Analytics = bound.Analytics;
        IsPointwise = bound.IsPointwise;
        _scalar = scalar;
        _program = program;
        _stages = stages;
    }

    /// <summary>The parsed formula.</summary>
    public Formula Formula { get; }

    /// <summary>
    /// The device fields the formula needs (through the analytics it refers to), in order of first use. This is the
    /// order of the inputs of <see cref="Evaluate(ReadOnlySpan{double})"/> and of the columns of
    /// <see cref="EvaluateBatch(ReadOnlySpan{ReadOnlyMemory{double}}, ReadOnlySpan{long}, Span{double})"/>.
    /// </summary>
    public IReadOnlyList<FieldReference> Inputs { get; }

    /// <summary>The named analytics the formula refers to, directly or through other analytics.</summary>
    public IReadOnlyList<string> Analytics { get; }

    /// <summary>
    /// Whether the value at a row depends only on that row's inputs. False when the formula uses a time-aware
    /// function (delta, rate, integral, moving_avg, shift): those need the whole series and its timestamps.
    /// </summary>
    public bool IsPointwise { get; }

    /// <summary>
    /// The compiled scalar delegate: takes one value per input (in <see cref="Inputs"/> order, NaN = missing) and
    /// returns the result (NaN = missing). It is compiled to IL the first time it is asked for.
    /// </summary>
    /// <exception cref="InvalidOperationException">The formula is not pointwise (see <see cref="IsPointwise"/>).</exception>
    public Func<double[], double> ScalarDelegate =>
        _scalar?.Value ?? throw new InvalidOperationException($"'{Formula}' uses a time-aware function, so it is evaluated over a series, not one row.");

    internal BoundNode Bound { get; }

    /// <summary>The batch evaluator of the pointwise part (the whole formula when it is pointwise).</summary>
    internal BatchProgram Program => _program;

    /// <summary>Evaluates one row: one value per input in <see cref="Inputs"/> order, NaN = missing.</summary>
    /// <exception cref="InvalidOperationException">The formula is not pointwise.</exception>
    /// <exception cref="ArgumentException">Not one value per input.</exception>
    public double Evaluate(params ReadOnlySpan<double> inputs)
    {
        var scalar = ScalarDelegate;
        if (inputs.Length != Inputs.Count)
        {
            throw new ArgumentException($"The formula has {Inputs.Count} inputs, not {inputs.Length}.", nameof(inputs));
        }

        var buffer = ArrayPool<double>.Shared.Rent(Math.Max(1, inputs.Length));
        try
        {
            inputs.CopyTo(buffer);
            return scalar(buffer);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Evaluates aligned rows of a pointwise formula: one column per input in <see cref="Inputs"/> order, each with
    /// <paramref name="output"/>.Length values (NaN = missing), writing one result per row (NaN = missing).
    /// </summary>
    /// <param name="columns">The input columns.</param>
    /// <param name="output">Where the results go; its length is the number of rows.</param>
    /// <exception cref="ArgumentException">A column count or length does not match, or the formula is not pointwise.</exception>
    public void EvaluateBatch(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> output) =>
        EvaluateBatch(columns, [], output);

    /// <summary>
    /// Evaluates aligned rows with their timestamps, as a formula with time-aware functions needs: one column per input
    /// in <see cref="Inputs"/> order, each with <paramref name="output"/>.Length values (NaN = missing).
    /// </summary>
    /// <param name="columns">The input columns.</param>
    /// <param name="timestamps">The row timestamps (Unix ns, increasing); may be empty when the formula is pointwise.</param>
    /// <param name="output">Where the results go; its length is the number of rows.</param>
    /// <exception cref="ArgumentException">A column count or length does not match, or timestamps are missing for a time-aware formula.</exception>
    public void EvaluateBatch(ReadOnlySpan<ReadOnlyMemory<double>> columns, ReadOnlySpan<long> timestamps, Span<double> output)
    {
        if (columns.Length != Inputs.Count)
        {
            throw new ArgumentException($"The formula has {Inputs.Count} inputs, not {columns.Length} columns.", nameof(columns));
        }

        foreach (var column in columns)
        {
            if (column.Length != output.Length)
            {
                throw new ArgumentException($"Every column must have {output.Length} rows, as the output has; one has {column.Length}.", nameof(columns));
            }
        }

        if (_stages.IsEmpty)
        {
            _program.Run(columns, output);
            return;
        }

        if (timestamps.Length != output.Length)
        {
            throw new ArgumentException($"A time-aware formula needs one timestamp per row ({output.Length}); {timestamps.Length} were given.", nameof(timestamps));
        }

        var all = new ReadOnlyMemory<double>[Inputs.Count + _stages.Length];
        columns.CopyTo(all);
        for (var s = 0; s < _stages.Length; s++)
        {
            var stage = _stages[s];
            var argument = new double[output.Length];
            stage.Argument.Run(all.AsSpan(0, Inputs.Count + s), argument);
            var result = new double[output.Length];
            SeriesFunctions.Apply(stage.Function, stage.Duration, timestamps, argument, result);
            all[Inputs.Count + s] = result;
        }

        _program.Run(all, output);
    }

    /// <summary>
    /// As <see cref="EvaluateBatch(ReadOnlySpan{ReadOnlyMemory{double}}, ReadOnlySpan{long}, Span{double})"/>, and also
    /// fills the validity mask (true where a result is present); returns the number of present results.
    /// </summary>
    /// <param name="columns">The input columns.</param>
    /// <param name="timestamps">The row timestamps; may be empty when the formula is pointwise.</param>
    /// <param name="output">Where the results go.</param>
    /// <param name="validity">Set to whether each result is present.</param>
    public int EvaluateBatch(ReadOnlySpan<ReadOnlyMemory<double>> columns, ReadOnlySpan<long> timestamps, Span<double> output, Span<bool> validity)
    {
        if (validity.Length != output.Length)
        {
            throw new ArgumentException($"The validity mask must have {output.Length} entries, as the output has.", nameof(validity));
        }

        EvaluateBatch(columns, timestamps, output);
        return Kernels.Validity(output, validity);
    }

    /// <summary>
    /// Evaluates over time series: aligns the inputs with <paramref name="alignment"/> (union when null) and
    /// evaluates every row. An input absent from <paramref name="inputs"/> counts as a series with no samples.
    /// </summary>
    /// <returns>The result series: the aligned timestamps and a value per row, NaN where missing.</returns>
    public TimeSeries Evaluate(IReadOnlyDictionary<FieldReference, TimeSeries> inputs, AlignmentPolicy? alignment = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var series = Inputs.Select(field => inputs.TryGetValue(field, out var s) ? s : TimeSeries.Empty).ToList();
        var frame = (alignment ?? AlignmentPolicy.Union).Align(series);
        var output = new double[frame.Timestamps.Length];
        var columns = frame.Columns.Select(c => new ReadOnlyMemory<double>(c)).ToArray();
        EvaluateBatch(columns, frame.Timestamps, output);
        return new TimeSeries(frame.Timestamps, output);
    }

    /// <summary>
    /// Reads every input field of a tenant over a time range from <paramref name="reader"/>, then evaluates as
    /// <see cref="Evaluate(IReadOnlyDictionary{FieldReference, TimeSeries}, AlignmentPolicy?)"/>.
    /// </summary>
    public async ValueTask<TimeSeries> EvaluateAsync(IPointReader reader, Tenant tenant, TimeRange range, AlignmentPolicy? alignment = null, CancellationToken cancellationToken = default)
    {
        var inputs = await FieldSeriesReader.ReadAsync(reader, tenant, Inputs, range, cancellationToken).ConfigureAwait(false);
        return Evaluate(inputs, alignment);
    }

    /// <summary>The formula in canonical form.</summary>
    public override string ToString() => Formula.ToString();

    internal static CompiledFormula Create(Formula formula, BindResult bound)
    {
        var stages = ImmutableArray.CreateBuilder<SeriesStage>();
        var inputCount = bound.Inputs.Length;
        var root = Lift(bound.Root);
        var scalar = bound.IsPointwise ? new Lazy<Func<double[], double>>(() => ScalarCompiler.Compile(root)) : null;
        return new CompiledFormula(formula, bound, scalar, BatchProgram.Compile(root), stages.ToImmutable());

        BoundNode Lift(BoundNode node)
        {
            switch (node)
            {
                case BoundSeriesCall s:
                    var argument = Lift(s.Argument);
                    stages.Add(new SeriesStage(BatchProgram.Compile(argument), s.Function, s.Duration));
                    return new BoundInput(inputCount + stages.Count - 1);
                case BoundUnary u:
                    return u with { Operand = Lift(u.Operand) };
                case BoundBinary b:
                    return b with { Left = Lift(b.Left), Right = Lift(b.Right) };
                case BoundCall c:
                    return c with { Arguments = [.. c.Arguments.Select(Lift)] };
                default:
                    return node;
            }
        }
    }

    private sealed record SeriesStage(BatchProgram Argument, FunctionKind Function, TimeSpan Duration);
}
