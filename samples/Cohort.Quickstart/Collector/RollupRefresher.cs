using Cohort.Aggregation;
using Microsoft.Extensions.Hosting;

namespace Cohort.Quickstart.Collector;

/// <summary>
/// Materialises the hourly rollups on a schedule (<see cref="InProcessRollupEngine.RefreshAllAsync"/>); between
/// refreshes, and for buckets a late point lands in, the engine's real-time view reads the raw points.
/// </summary>
internal sealed class RollupRefresher(InProcessRollupEngine rollups, TimeProvider timeProvider) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await rollups.RefreshAllAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping; the report refreshes once more at the end.
        }
    }
}
