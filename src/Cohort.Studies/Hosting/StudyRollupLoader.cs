using Cohort.Core;
using Cohort.Studies.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Studies.Hosting;

/// <summary>
/// Ensures every manifest rollup, for every manifest tenant, on the registered <see cref="IRollupManager"/> when the
/// host starts (Cohort.Aggregation's in-process engine unless the host registered another, e.g. PostgreSQL's).
/// </summary>
internal sealed class StudyRollupLoader(IStudyManifestProvider manifest, IRollupManager manager, StudyJobsMetrics metrics, ILogger<StudyRollupLoader>? logger = null) : IHostedService
{
    /// <summary>The manifest's rollups, one per tenant and entry.</summary>
    public static IEnumerable<RollupDefinition> Definitions(Manifest.StudyManifest manifest) =>
        from tenant in manifest.Tenants
        from rollup in manifest.Rollups
        select new RollupDefinition(new Tenant(tenant.Id), FieldReference.Parse(rollup.Field), Durations.Parse(rollup.Period));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var rollup in Definitions(manifest.Current))
        {
            await manager.EnsureRollupAsync(rollup, cancellationToken).ConfigureAwait(false);
            metrics.RollupsEnsured.Add(1);
            count++;
        }

        if (count > 0)
        {
            StudyJobsLog.RollupsEnsured((ILogger?)logger ?? NullLogger.Instance, count, manager.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
