using Cohort.Core;
using Cohort.Studies.Hosting;
using Cohort.Studies.Jobs;
using Cohort.Studies.Manifest;
using Cohort.Studies.Rules;
using Cohort.Studies.Tests.Manifest;
using Cohort.Studies.Tests.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Hosting;

/// <summary>A manifest rule with <c>"schedule": "on-arrival"</c>, configured by <c>AddCohortStudy</c>.</summary>
public sealed class StudyPointWriterHostTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public StudyPointWriterHostTests() => Environment.SetEnvironmentVariable("COHORT_WEBHOOK_SECRET", "test-secret");

    public void Dispose() => _folder.Dispose();

    private string ManifestOnArrival()
    {
        var path = _folder.File("on-arrival.json");
        File.WriteAllText(path, StudyManifestTests.ExampleWith(root =>
        {
            root["rules"]![0]!["schedule"] = RuleDefinition.OnArrival;
            root["rules"]![0]!.AsObject().Remove("quietHours");
        }));
        return path;
    }

    [Fact]
    public async Task AddCohortStudy_decorates_the_stores_writer_so_a_write_fires_the_on_arrival_rule_and_schedules_no_job_for_it()
    {
        var notifier = new RecordingNotifier();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Noon));
        builder.Services.AddCohortSqlite(o => o.DataDirectory = _folder.File("store"));
        builder.Services.AddCohortSqliteJobStore(_folder.File("jobs.db"));
        builder.Services.AddCohortSqliteRuleFirings(_folder.File("firings.db"));
        builder.Services.AddKeyedSingleton<INotifier>("survey", notifier);
        builder.Services.AddCohortStudy(ManifestOnArrival());
        using var host = builder.Build();

        var writer = host.Services.GetRequiredService<IPointWriter>();
        var engine = host.Services.GetRequiredService<RuleEngine>();
        var result = await writer.WriteAsync(new Tenant("house-01"), PointBatch.FromPoints(
            Enumerable.Range(1, 6).Select(i => new Point("indoor", TagSet.Empty, "temperature", 29.0, Timestamps.FromDateTimeOffset(Noon.AddMinutes(-i))))));
        await Eventually.HoldsAsync(() => Task.FromResult(engine.ArrivalBacklog == 0), "the on-arrival evaluation");

        Assert.IsType<StudyPointWriter>(writer);
        Assert.Equal(6, result.Written);
        var sent = Assert.Single(notifier.Sent);
        Assert.Equal(("too-warm", "house-01", 29.0), (sent.Rule, sent.Tenant, sent.Value));
        Assert.DoesNotContain(host.Services.GetRequiredService<JobScheduler>().Jobs, j => j.Name == "rule:too-warm");
        Assert.True(Assert.Single(engine.Rules).EvaluatesOnArrival);
    }

    [Fact]
    public async Task A_late_write_drops_the_day_from_the_built_in_export_jobs_cache()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Noon));
        builder.Services.AddCohortSqlite(o => o.DataDirectory = _folder.File("store"));
        builder.Services.AddCohortSqliteJobStore(_folder.File("jobs.db"));
        builder.Services.AddCohortSqliteRuleFirings(_folder.File("firings.db"));
        builder.Services.AddCohortStudy(Repository.PathOf("docs", "study-manifest.example.json"), o => o.ExportFolder = _folder.File("exports"));
        using var host = builder.Build();
        var cache = new Cohort.Studies.Exports.FolderExportCache(Path.Combine(_folder.File("exports"), "cache"));
        foreach (var day in new[] { 28, 29 })
        {
            await cache.WriteAsync("house-01", new DateOnly(2026, 5, day), "csv", "cached"u8.ToArray());
        }

        await host.Services.GetRequiredService<IPointWriter>().WriteAsync(new Tenant("house-01"), PointBatch.FromPoints(
            [new Point("indoor", TagSet.Empty, "temperature", 22.0, Timestamps.FromDateTimeOffset(new DateTimeOffset(2026, 5, 29, 8, 0, 0, TimeSpan.Zero)))]));

        Assert.Null(await cache.TryOpenAsync("house-01", new DateOnly(2026, 5, 29), "csv"));
        var kept = await cache.TryOpenAsync("house-01", new DateOnly(2026, 5, 28), "csv");
        Assert.NotNull(kept);
        await kept.DisposeAsync();
    }

    [Fact]
    public void On_arrival_rules_need_the_store_registered_before_AddCohortStudy()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddCohortStudy(ManifestOnArrival()));

        Assert.Contains("before AddCohortStudy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_accepts_on_arrival_as_a_rule_schedule_and_still_names_a_bad_one()
    {
        var valid = StudyManifestReader.Parse(File.ReadAllText(ManifestOnArrival()), StudyManifestTests.Drivers);
        var invalid = Assert.Throws<StudyManifestException>(() => StudyManifestReader.Parse(
            StudyManifestTests.ExampleWith(root => root["rules"]![0]!["schedule"] = "on arrival"), StudyManifestTests.Drivers));

        Assert.Equal("on-arrival", valid.Rules[0].Schedule);
        Assert.True(RuleDefinition.FromManifest(valid.Rules[0]).EvaluatesOnArrival);
        Assert.Contains(invalid.Problems, p => p.ToString().StartsWith("$.rules[0].schedule: ", StringComparison.Ordinal));
    }
}
