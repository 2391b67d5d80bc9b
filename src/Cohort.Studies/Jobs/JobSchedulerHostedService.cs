using Microsoft.Extensions.Hosting;

namespace Cohort.Studies.Jobs;

/// <summary>Runs the <see cref="JobScheduler"/> for the host's lifetime.</summary>
internal sealed class JobSchedulerHostedService(JobScheduler scheduler) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => scheduler.RunAsync(stoppingToken);
}
