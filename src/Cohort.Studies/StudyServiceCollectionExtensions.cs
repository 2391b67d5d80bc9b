using Cohort.Devices.Drivers;
using Cohort.Formulas;
using Cohort.Studies.Hosting;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

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
    /// Validates <paramref name="manifest"/> (with the registered device drivers) and configures the host from it: the
    /// manifest as a singleton and an <see cref="IStudyManifestProvider"/>; each tenant's analytics in the
    /// <see cref="AnalyticsRegistry"/> (defined when the host starts); the measure definitions in Cohort.Aggregation;
    /// the schedules as jobs (a schedule runs the <c>Func&lt;JobContext, CancellationToken, ValueTask&gt;</c> keyed
    /// by its <c>job</c> kind); the rules in a <see cref="RuleEngine"/> with their notifiers (a keyed
    /// <see cref="INotifier"/> of the notifier's name wins over the manifest's webhook) and as rule jobs. Needs an
    /// <see cref="Cohort.Core.IPointReader"/> (a store); rule firings go to a <see cref="SqliteRuleFiringStore"/> in
    /// <c>cohort-rule-firings.db</c> of the working folder unless an <see cref="IRuleFiringStore"/> is registered.
    /// </summary>
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
        if (manifest.Measures is { } measures && measures.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            var definitions = StudyManifestReader.ParseMeasures(measures);
            services.AddCohortAggregation(o =>
            {
                foreach (var definition in definitions)
                {
                    o.Definitions.Add(definition);
                }
            });
        }

        services.AddCohortJobs();
        services.TryAddSingleton<StudyHttpClient>();
        services.TryAddSingleton<IRuleFiringStore>(static _ => new SqliteRuleFiringStore(Path.Combine(Environment.CurrentDirectory, "cohort-rule-firings.db")));
        services.TryAddSingleton(provider => StudyHost.CreateRuleEngine(manifest, provider));
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
