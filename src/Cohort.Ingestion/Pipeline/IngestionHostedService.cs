using System.Diagnostics.CodeAnalysis;
using Cohort.Ingestion.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cohort.Ingestion.Pipeline;

/// <summary>Runs the pipeline with the host: starts it (replaying the log), then the sources; stops them in reverse.</summary>
internal sealed class IngestionHostedService(IngestionPipeline pipeline, IEnumerable<IIngestSource> sources, ILogger<IngestionPipeline> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _sources = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await pipeline.StartAsync(cancellationToken).ConfigureAwait(false);
        foreach (var source in sources)
        {
            _sources.Add(RunSourceAsync(source));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_sources).ConfigureAwait(false);
        await pipeline.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A failing source is logged; it must not take the pipeline and the other sources down.")]
    private async Task RunSourceAsync(IIngestSource source)
    {
        try
        {
            await Task.Yield();
            await source.RunAsync(pipeline, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            LogMessages.SourceFailed(logger, ex, source.Name);
        }
    }
}
