using System.Diagnostics.Metrics;
using Cohort.Devices.Drivers;
using Cohort.Formulas;
using Cohort.Studies.Hosting;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures a host from a study manifest alone.</summary>
public static class StudyServiceCollectionExtensions
{
    /// <summary>Reads the manifest at <paramref name="manifestPath"/> and configures the host from it (see <see cref="AddCohortStudy(IServiceCollection, StudyManifest)"/>).</summary>
    /// <exception cref="StudyManifestException">The manifest is invalid: every problem with its JSON path.</exception>
    public static IServiceCollection AddCohortStudy(this IServiceCollection services, string manifestPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(manifestPath);
        return services.AddCohortStudy(StudyManifestReader.ParseUnvalidated(File.ReadAllText(manifestPath)));
    }

    /// <summary>
    /// Reads the manifest at <paramref name="manifestPath"/> and configures the host from it, with the options of the
    /// built-in schedule jobs (see <see cref="AddCohortStudy(IServiceCollection, StudyManifest)"/>).
    /// </summary>
    /// <exception cref="StudyManifestException">The manifest is invalid: every problem with its JSON path.</exception>
    public static IServiceCollection AddCohortStudy(this IServiceCollection services, string manifestPath, Action<StudyHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddCohortStudy(manifestPath);
        services.Configure(configure);
        return services;
    }

    /// <summary>
    /// Configures the host from <paramref name="manifest"/>, with the options of the built-in schedule jobs (see
    /// <see cref="AddCohortStudy(IServiceCollection, StudyManifest)"/>).
    /// </summary>
    /// <exception cref="StudyManifestException">The manifest is invalid: every problem with its JSON path.</exception>
    public static IServiceCollection AddCohortStudy(this IServiceCollection services, StudyManifest manifest, Action<StudyHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddCohortStudy(manifest);
        services.Configure(configure);
        return services;
    }

    /// <summary>
    /// Validates <paramref name="manifest"/> (with the registered device drivers) and configures the host from it: the
    /// manifest as a singleton and an <see cref="IStudyManifestProvider"/>; each tenant's analytics in the
    /// <see cref="AnalyticsRegistry"/> (defined when the host starts); Cohort.Aggregation with the measure definitions;
    /// the manifest's rollups ensured for every tenant on the registered <see cref="Cohort.Core.IRollupManager"/> when the
    /// host starts (Cohort.Aggregation's in-process engine unless one is registered before this call, e.g. by
    /// <c>AddCohortPostgres</c>); the schedules as jobs (a schedule runs the
    /// <c>Func&lt;JobContext, CancellationToken, ValueTask&gt;</c> keyed by its <c>job</c> kind, else the kind's built-in
    /// handler, configured by <see cref="StudyHostOptions"/>; a <c>user</c> schedule without a handler fails the host's
    /// start); the rules in a <see cref="RuleEngine"/> with their notifiers (a keyed <see cref="INotifier"/> of the
    /// notifier's name wins over the manifest's webhook) and as rule jobs. Needs an <see cref="Cohort.Core.IPointReader"/>
    /// (a store), and for <c>retention.raw</c> a store that implements <see cref="Cohort.Core.IPointDeleter"/>; rule
    /// firings go to a <see cref="SqliteRuleFiringStore"/> in <c>cohort-rule-firings.db</c> of the working folder unless
    /// an <see cref="IRuleFiringStore"/> is registered. The store's <see cref="Cohort.Core.IPointWriter"/>, registered
    /// before this call, is wrapped in a <see cref="StudyPointWriter"/>: writes trigger the rules evaluated
    /// <c>on-arrival</c>, invalidate a registered <see cref="Cohort.Studies.Exports.ResearchExporter"/>'s cached days
    /// and mark the in-process rollup buckets late points land in.
    /// </summary>
    /// <exception cref="InvalidOperationException">The manifest has on-arrival rules and no store is registered yet.</exception>
    /// <exception cref="StudyManifestException">The manifest is invalid: every problem with its JSON path.</exception>
    public static IServiceCollection AddCohortStudy(this IServiceCollection services, StudyManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = StudyManifestReader.Validate(manifest, ResolveDrivers(services));
        if (problems.Count > 0)
        {
            throw new StudyManifestException(problems);
        }

        services.AddSingleton(manifest);
        services.AddSingleton<IStudyManifestProvider>(new StudyManifestProvider(manifest));
        services.AddCohortFormulas();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StudyAnalyticsLoader>());
        IEnumerable<Cohort.Aggregation.MeasureDefinition> definitions = manifest.Measures is { } measures && measures.ValueKind == System.Text.Json.JsonValueKind.Array
            ? StudyManifestReader.ParseMeasures(measures)
            : [];
        services.AddCohortAggregation(o =>
        {
            foreach (var definition in definitions)
            {
                o.Definitions.Add(definition);
            }
        });
        services.AddOptions<StudyHostOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StudyHostOptions>, StudyHostOptionsValidator>());
        services.TryAddSingleton(static provider => new StudyJobsMetrics(provider.GetService<IMeterFactory>()));
        services.TryAddSingleton(provider => new StudyJobs(
            manifest,
            provider,
            provider.GetRequiredService<IOptions<StudyHostOptions>>(),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILogger<StudyJobs>>(),
            provider.GetRequiredService<StudyJobsMetrics>()));
        if (manifest.Rollups.Count > 0)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StudyRollupLoader>());
        }

        services.AddCohortJobs();
        services.TryAddSingleton<StudyHttpClient>();
        services.TryAddSingleton<IRuleFiringStore>(static _ => new SqliteRuleFiringStore(Path.Combine(Environment.CurrentDirectory, "cohort-rule-firings.db")));
        services.TryAddSingleton(provider => StudyHost.CreateRuleEngine(manifest, provider));
        services.AddStudyPointWriter(manifest); // after the store: on-arrival rules and export invalidation see its writes
        services.AddOptions<JobSchedulerOptions>().Configure<IServiceProvider>((options, provider) =>
        {
            foreach (var job in StudyHost.ScheduleJobs(manifest, provider))
            {
                options.Jobs.Add(job);
            }

            if (manifest.Rules.Count > 0)
            {
                foreach (var job in StudyHost.RuleJobs(manifest, provider.GetRequiredService<RuleEngine>()))
                {
                    options.Jobs.Add(job);
                }
            }
        });
        return services;
    }

    private static DeviceDriverRegistry ResolveDrivers(IServiceCollection services)
    {
        var copy = new ServiceCollection();
        foreach (var descriptor in services)
        {
            ((ICollection<ServiceDescriptor>)copy).Add(descriptor);
        }

        copy.AddCohortDevices();
        using var provider = copy.BuildServiceProvider();
        return provider.GetRequiredService<DeviceDriverRegistry>();
    }
}
