using System.Diagnostics.Metrics;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cohort.Studies.Hosting;

/// <summary>Builds the parts of a host a manifest describes: its analytics, rule engine, notifiers and schedule jobs.</summary>
internal static class StudyHost
{
    /// <summary>
    /// The jobs of the manifest's schedules. A schedule runs the <c>Func&lt;JobContext, CancellationToken, ValueTask&gt;</c>
    /// the host registered keyed by its <c>job</c> kind, else the kind's built-in handler (<see cref="StudyJobs"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">A schedule's kind has no built-in handler (<c>user</c>) and none is registered.</exception>
    public static IEnumerable<JobDefinition> ScheduleJobs(StudyManifest manifest, IServiceProvider provider)
    {
        var builtIn = provider.GetRequiredService<StudyJobs>();
        foreach (var schedule in manifest.Schedules)
        {
            var run = provider.GetKeyedService<Func<JobContext, CancellationToken, ValueTask>>(schedule.Job)
                ?? builtIn.BuiltIn(schedule)
                ?? throw new InvalidOperationException(
                    $"Schedule '{schedule.Name}' has job kind '{schedule.Job}', which has no built-in handler: register a Func<JobContext, CancellationToken, ValueTask> keyed '{schedule.Job}' (services.AddKeyedSingleton<Func<JobContext, CancellationToken, ValueTask>>(\"{schedule.Job}\", ...)).");
            yield return new JobDefinition(schedule.Name, schedule.Cron, run, schedule.TimeZone ?? "UTC") { MaxAttempts = schedule.MaxAttempts };
        }
    }

    /// <summary>The jobs that evaluate the manifest's rules for the tenants in their scope.</summary>
    public static IEnumerable<JobDefinition> RuleJobs(StudyManifest manifest, RuleEngine engine)
    {
        var tenants = manifest.Tenants.Select(t => new Tenant(t.Id)).ToArray();
        return manifest.Rules.Where(rule => rule.Schedule != RuleDefinition.OnArrival).Select(rule => engine.CreateJob(rule.Name, () => rule.Tenants.Count == 0 ? tenants : rule.Tenants.Select(id => new Tenant(id))));
    }

    public static RuleEngine CreateRuleEngine(StudyManifest manifest, IServiceProvider provider)
    {
        var http = provider.GetRequiredService<StudyHttpClient>().Client;
        var notifiers = manifest.Notifiers.ToDictionary(
            n => n.Name,
            n => provider.GetKeyedService<INotifier>(n.Name) ?? CreateNotifier(manifest, n, http),
            StringComparer.Ordinal);
        var analytics = provider.GetRequiredService<AnalyticsRegistry>();
        return new RuleEngine(
            manifest.Rules.Select(RuleDefinition.FromManifest),
            notifiers,
            provider.GetRequiredService<IRuleFiringStore>(),
            provider.GetRequiredService<IPointReader>(),
            analytics.GetScope,
            manifest.Tenants.Where(t => t.TimeZone is not null).ToDictionary(t => t.Id, t => t.TimeZone!, StringComparer.Ordinal),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILogger<RuleEngine>>(),
            provider.GetService<IMeterFactory>());
    }

    private static WebhookNotifier CreateNotifier(StudyManifest manifest, ManifestNotifier notifier, HttpClient http)
    {
        if (!string.Equals(notifier.Type, "webhook", StringComparison.Ordinal) || notifier.Url is null)
        {
            throw new InvalidOperationException($"Notifier '{notifier.Name}' of type '{notifier.Type}': register an INotifier keyed '{notifier.Name}'.");
        }

        return new WebhookNotifier(http, notifier.Url, notifier.SigningKey is null ? default : ReadKey(manifest, notifier.SigningKey));
    }

    private static byte[] ReadKey(StudyManifest manifest, string name)
    {
        var key = manifest.Keys.First(k => string.Equals(k.Name, name, StringComparison.Ordinal));
        return key.Provider switch
        {
            "file" => File.ReadAllBytes(key.Reference),
            "environment" => System.Text.Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable(key.Reference)
                ?? throw new InvalidOperationException($"Key '{name}': the environment variable '{key.Reference}' is not set.")),
            _ => throw new InvalidOperationException($"Key '{name}': the '{key.Provider}' provider is not available here; register the notifier as a keyed INotifier."),
        };
    }
}

/// <summary>The HTTP client the manifest's webhook notifiers share, disposed with the container.</summary>
internal sealed class StudyHttpClient : IDisposable
{
    public HttpClient Client { get; } = new();

    public void Dispose() => Client.Dispose();
}

/// <summary>Defines each tenant's analytics of the manifest in the <see cref="AnalyticsRegistry"/> when the host starts.</summary>
internal sealed class StudyAnalyticsLoader(IStudyManifestProvider manifest, AnalyticsRegistry registry) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var tenant in manifest.Current.Tenants)
        {
            var id = new Tenant(tenant.Id);
            foreach (var analytic in tenant.Analytics)
            {
                if (registry.Find(id, analytic.Name) is null)
                {
                    await registry.CreateAsync(
                        id,
                        new AnalyticDefinition(analytic.Name, analytic.Formula) { Description = analytic.Description, ContinuousAggregation = analytic.ContinuousAggregation },
                        cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
