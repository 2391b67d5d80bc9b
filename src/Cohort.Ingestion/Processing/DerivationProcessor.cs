using Cohort.Core;

namespace Cohort.Ingestion.Processing;

/// <summary>Runs the registered <see cref="IPointDeriver"/>s and appends what they derive to the batch.</summary>
internal sealed class DerivationProcessor(IEnumerable<IPointDeriver> derivers) : IPointProcessor
{
    private readonly IPointDeriver[] _derivers = [.. derivers];

    public bool IsActive => _derivers.Length > 0;

    public async ValueTask ProcessAsync(ProcessingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_derivers.Length == 0 || context.Batch.IsEmpty)
        {
            return;
        }

        var output = new PointBatch();
        foreach (var deriver in _derivers)
        {
            await deriver.DeriveAsync(context.Message, context.Batch, output, cancellationToken).ConfigureAwait(false);
        }

        if (!output.IsEmpty)
        {
            context.Batch.AddRange(output);
        }
    }
}

/// <summary>A deriver from a delegate.</summary>
internal sealed class DelegateDeriver(Action<IngestMessage, PointBatch, PointBatch> derive) : IPointDeriver
{
    public ValueTask DeriveAsync(IngestMessage message, PointBatch input, PointBatch output, CancellationToken cancellationToken = default)
    {
        derive(message, input, output);
        return ValueTask.CompletedTask;
    }
}
