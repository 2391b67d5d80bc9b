using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Studies.Hosting;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Cohort.Studies.Tests.Manifest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Hosting;

public sealed class StudyHostTests : IDisposable
{
    private static readonly string ExamplePath = Repository.PathOf("docs", "study-manifest.example.json");
    private readonly TempFolder _folder = new();

    public StudyHostTests() => Environment.SetEnvironmentVariable("COHORT_WEBHOOK_SECRET", "test-secret");

    public void Dispose() => _folder.Dispose();

    private IHost BuildHost(Action<IServiceCollection> study)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)));
        builder.Services.AddCohortSqlite(o => o.DataDirectory = _folder.File("store"));
        builder.Services.AddCohortSqliteJobStore(_folder.File("jobs.db"));
        builder.Services.AddSingleton<IRuleFiringStore>(new SqliteRuleFiringStore(_folder.File("firings.db")));
        study(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task A_host_configured_from_the_example_manifest_alone_registers_its_analytics_measures_jobs_and_rules()
    {
        using var host = BuildHost(s => s.AddCohortStudy(ExamplePath));
        await host.StartAsync();
        try
        {
            var analytics = host.Services.GetRequiredService<AnalyticsRegistry>();
            var hot = analytics.Find(new Tenant("house-01"), "hot");
            Assert.NotNull(hot);
            Assert.Equal("indoor.temperature - 27", hot.Formula);
            Assert.Empty(analytics.List(new Tenant("p-001")));

            var measures = host.Services.GetRequiredService<IOptions<AggregationOptions>>().Value.Definitions;
            Assert.Equal(["indoor-temperature"], measures.Select(m => m.Name));

            var scheduler = host.Services.GetRequiredService<JobScheduler>();
            Assert.Equal(["nightly-export", "rollups", "rule:too-warm"], scheduler.Jobs.Select(j => j.Name).Order(StringComparer.Ordinal));
            var export = Assert.Single(scheduler.Jobs, j => j.Name == "nightly-export");
            Assert.Equal("0 2 * * *", export.Cron);
            Assert.Equal("Europe/Zurich", export.TimeZone);
            Assert.Equal("*/15 * * * *", Assert.Single(scheduler.Jobs, j => j.Name == "rule:too-warm").Cron);

            var rule = Assert.Single(host.Services.GetRequiredService<RuleEngine>().Rules);
            Assert.Equal(("too-warm", "survey", 27.0, 2), (rule.Name, rule.Notifier, rule.Above!.Value, rule.MaxPerDay!.Value));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void The_exported_manifest_equals_the_one_the_host_was_configured_from()
    {
        var input = StudyManifestReader.ParseUnvalidated(File.ReadAllText(ExamplePath));
        using var host = BuildHost(s => s.AddCohortStudy(ExamplePath));
        var provider = host.Services.GetRequiredService<IStudyManifestProvider>();

        var exported = StudyManifestReader.Parse(provider.ExportJson(), StudyManifestTests.Drivers);

        Assert.Empty(ManifestDiff.Compare(input, exported));
        Assert.Same(provider.Current, host.Services.GetRequiredService<StudyManifest>());
        Assert.Equal("thermal-comfort-2026", provider.Current.Study);
    }

    [Fact]
    public async Task A_schedule_runs_the_handler_registered_for_its_job_kind()
    {
        var runs = new List<string>();
        using var host = BuildHost(s => s
            .AddKeyedSingleton<Func<JobContext, CancellationToken, ValueTask>>("export", (_, _) => (context, _) =>
            {
                runs.Add(context.JobName);
                return ValueTask.CompletedTask;
            })
            .AddCohortStudy(ExamplePath));
        var jobs = host.Services.GetRequiredService<JobScheduler>().Jobs;
        var context = new JobContext("nightly-export", DateTimeOffset.UnixEpoch, 1);

        await Assert.Single(jobs, j => j.Name == "nightly-export").Run(context, default);
        Assert.Equal(["nightly-export"], runs);
        await Assert.Single(jobs, j => j.Name == "rollups").Run(context, default); // no handler registered: the built-in refresh
        Assert.Equal(["nightly-export"], runs);
    }

    [Fact]
    public void An_invalid_manifest_throws_at_registration_naming_every_path()
    {
        var json = StudyManifestTests.ExampleWith(node =>
        {
            node["tenants"]![0]!["devices"]![0]!["type"] = "no-such-driver";
            node["rules"]![0]!["notifier"] = "nobody";
        });
        var path = _folder.File("bad.json");
        File.WriteAllText(path, json);
        var services = new ServiceCollection();

        var error = Assert.Throws<StudyManifestException>(() => services.AddCohortStudy(path));

        var problems = error.Problems.Select(p => p.ToString()).ToList();
        Assert.Contains(problems, p => p.StartsWith("$.tenants[0].devices[0]", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.rules[0].notifier: ", StringComparison.Ordinal));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IStudyManifestProvider));
    }
}
