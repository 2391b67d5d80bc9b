using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Studies.Exports;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cohort.Studies.Hosting;

/// <summary>Puts a <see cref="StudyPointWriter"/> in front of the host's <see cref="IPointWriter"/>.</summary>
internal static class StudyPointWriterRegistration
{
    /// <summary>
    /// Replaces the last (unkeyed) <see cref="IPointWriter"/> registration with a <see cref="StudyPointWriter"/> around
    /// it, with the same lifetime: writes then reach the in-process rollup engine when it is the rollup manager (late
    /// points mark their buckets), the <see cref="RuleEngine"/> (when the manifest has on-arrival
    /// rules) and a registered <see cref="ResearchExporter"/> (resolved when the writer is, so it may be registered
    /// later), else the built-in export job's cache. The store must be registered first; with on-arrival rules and no store registered it throws.
    /// </summary>
    /// <exception cref="InvalidOperationException">On-arrival rules, but no <see cref="IPointWriter"/> is registered yet.</exception>
    public static void AddStudyPointWriter(this IServiceCollection services, StudyManifest manifest)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return; // decorated already
        }

        var onArrival = manifest.Rules.Any(r => r.Schedule == RuleDefinition.OnArrival);
        var index = FindLast(services);
        if (index < 0)
        {
            if (onArrival)
            {
                throw new InvalidOperationException(
                    "The manifest has rules evaluated on arrival: register the store (its IPointWriter) before AddCohortStudy, which decorates it.");
            }

            return;
        }

        var original = services[index];
        Func<IServiceProvider, IPointWriter> inner = original switch
        {
            { ImplementationInstance: IPointWriter instance } => _ => instance,
            { ImplementationFactory: { } factory } => provider => (IPointWriter)factory(provider),
            { ImplementationType: { } type } => provider => (IPointWriter)provider.GetRequiredService(type),
            _ => throw new InvalidOperationException("The IPointWriter registration has no implementation."),
        };
        if (original.ImplementationType is { } implementation && !services.Any(d => d.ServiceType == implementation && !d.IsKeyedService))
        {
            services.Add(new ServiceDescriptor(implementation, implementation, original.Lifetime)); // so the container still disposes it
        }

        services[index] = new ServiceDescriptor(
            typeof(IPointWriter),
            provider => new StudyPointWriter(
                WithRollupInvalidation(inner(provider), provider),
                onArrival ? provider.GetRequiredService<RuleEngine>() : null,
                provider.GetService<ResearchExporter>() ?? ExportJobExporter(manifest, provider),
                provider.GetService<TimeProvider>(),
                provider.GetService<ILogger<StudyPointWriter>>()),
            original.Lifetime);
        services.Add(ServiceDescriptor.Singleton(new Marker()));
    }

    /// <summary>
    /// The store's writer, telling the in-process rollup engine of late points when it is the rollup manager (SQL stores
    /// maintain their own rollups on write).
    /// </summary>
    private static IPointWriter WithRollupInvalidation(IPointWriter writer, IServiceProvider provider) =>
        provider.GetService<IRollupManager>() is InProcessRollupEngine engine && writer is not RollupInvalidatingPointWriter
            ? new RollupInvalidatingPointWriter(writer, engine)
            : writer;

    /// <summary>An exporter over the built-in export job's cache folder, when the manifest schedules that job.</summary>
    private static ResearchExporter? ExportJobExporter(StudyManifest manifest, IServiceProvider provider) =>
        manifest.Schedules.Any(s => s.Job == "export") && provider.GetService<StudyJobs>() is { } jobs && provider.GetService<IPointReader>() is not null
            ? jobs.Exporter
            : null;

    private static int FindLast(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IPointWriter) && !services[i].IsKeyedService)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed class Marker;
}
