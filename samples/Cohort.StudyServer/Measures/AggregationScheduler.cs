using Cohort.Aggregation;
using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Measures;

/// <summary>Merges posted raw measures into the aggregates on a schedule, as DACC's aggregation job does.</summary>
internal sealed partial class AggregationScheduler(
    MeasureAggregator aggregator, IOptions<StudyServerOptions> options, TimeProvider time, ILogger<AggregationScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using PeriodicTimer timer = new(options.Value.AggregationInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                long merged = aggregator.Aggregate();
                if (merged > 0)
                {
                    LogAggregated(merged);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Aggregated {Count} raw measures")]
    private partial void LogAggregated(long count);
}
