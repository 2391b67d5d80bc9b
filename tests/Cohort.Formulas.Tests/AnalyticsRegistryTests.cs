using System.Runtime.CompilerServices;
using Cohort.Core;
using Cohort.Formulas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cohort.Formulas.Tests;

/// <summary>Records the rollup calls the registry makes.</summary>
internal sealed class RecordingRollupManager : IRollupManager
{
    public List<string> Calls { get; } = [];

    public ValueTask EnsureRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        Calls.Add($"ensure {rollup.Tenant} {rollup.Field} {rollup.Period}");
        return ValueTask.CompletedTask;
    }

    public ValueTask DropRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        Calls.Add($"drop {rollup.Tenant} {rollup.Field} {rollup.Period}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>An in-memory implementation of our own reader contract, for evaluating analytics in tests.</summary>
internal sealed class InMemoryPointReader(IEnumerable<(Tenant Tenant, Point Point)> points) : IPointReader
{
    public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var point in points.Where(p => p.Tenant == tenant).Select(p => p.Point)
                     .Where(p => query.Matches(p.Series) && query.Range.Contains(p.Timestamp) && p.Fields.Any(f => query.WantsField(f.Key)))
                     .OrderBy(p => p.Series.ToString()).ThenBy(p => p.Timestamp))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return point;
        }
    }
}

public class AnalyticsRegistryTests
{
    private const long S = 1_000_000_000;
    private static readonly Tenant House1 = new("house-1");
    private static readonly Tenant House2 = new("house-2");

    [Fact]
    public async Task Creates_replaces_lists_and_deletes_analytics_per_scope()
    {
        using var registry = new AnalyticsRegistry();
        await registry.CreateAsync(House1, new("solar", "pos(egauge.A.Solar)"));
        await registry.CreateAsync(House1, new("ev", "-egauge.A.EV") { Description = "EV charging (kW)" });
        await registry.CreateAsync(House2, new("ev", "charger1.current + charger2.current"));

        Assert.Equal(["ev", "solar"], registry.List(House1).Select(a => a.Name));
        Assert.Equal("charger1.current + charger2.current", registry.Find(House2, "ev")!.Formula);
        await Assert.ThrowsAsync<CohortException>(() => registry.CreateAsync(House1, new("ev", "1")).AsTask());

        await registry.ReplaceAsync(House1, new("ev", "-egauge.A.EV2"));
        Assert.Equal("-egauge.A.EV2", registry.Find(House1, "ev")!.Formula);
        await Assert.ThrowsAsync<CohortException>(() => registry.ReplaceAsync(House1, new("nope", "1")).AsTask());

        Assert.True(await registry.DeleteAsync(House1, "ev"));
        Assert.False(await registry.DeleteAsync(House1, "ev"));
        Assert.Equal(["solar"], registry.List(House1).Select(a => a.Name));
        Assert.Single(registry.List(House2));
    }

    [Fact]
    public async Task Rejects_a_bad_formula_at_definition_time_and_keeps_the_old_state()
    {
        using var registry = new AnalyticsRegistry();
        await registry.CreateAsync(House1, new("a", "d.x + 1"));
        var error = await Assert.ThrowsAsync<FormulaException>(() => registry.CreateAsync(House1, new("b", "a + nope(1)")).AsTask());
        Assert.Equal(5, error.Column);
        Assert.Equal(FormulaErrorKind.Syntax, (await Assert.ThrowsAsync<FormulaException>(() => registry.CreateAsync(House1, new("b", "a +")).AsTask())).Kind);
        Assert.Equal(FormulaErrorKind.UnknownAnalytic, (await Assert.ThrowsAsync<FormulaException>(() => registry.CreateAsync(House1, new("b", "c")).AsTask())).Kind);
        await Assert.ThrowsAsync<ArgumentException>(() => registry.CreateAsync(House1, new("not a name", "1")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => registry.CreateAsync(House1, new("and", "1")).AsTask());
        Assert.Single(registry.List(House1));
    }

    [Fact]
    public async Task Rejects_a_replacement_that_closes_a_cycle()
    {
        using var registry = new AnalyticsRegistry();
        await registry.CreateAsync(House1, new("a", "d.x"));
        await registry.CreateAsync(House1, new("b", "a * 2"));
        var error = await Assert.ThrowsAsync<FormulaException>(() => registry.ReplaceAsync(House1, new("a", "b + 1")).AsTask());
        Assert.Equal(FormulaErrorKind.Cycle, error.Kind);
        var self = await Assert.ThrowsAsync<FormulaException>(() => registry.CreateAsync(House1, new("c", "c + 1")).AsTask());
        Assert.Equal(FormulaErrorKind.Cycle, self.Kind);
        Assert.Equal("d.x", registry.Find(House1, "a")!.Formula);
    }

    [Fact]
    public async Task Refuses_to_delete_an_analytic_that_others_use()
    {
        using var registry = new AnalyticsRegistry();
        await registry.CreateAsync(House1, new("a", "d.x"));
        await registry.CreateAsync(House1, new("b", "a * 2"));
        Assert.Contains("'b'", (await Assert.ThrowsAsync<CohortException>(() => registry.DeleteAsync(House1, "a").AsTask())).Message, StringComparison.Ordinal);
        Assert.Equal(2, registry.List(House1).Count);
        Assert.True(await registry.DeleteAsync(House1, "b"));
        Assert.True(await registry.DeleteAsync(House1, "a"));
    }

    [Fact]
    public async Task Reference_counts_rollups_ensuring_on_first_use_and_dropping_on_last()
    {
        var rollups = new RecordingRollupManager();
        using var registry = new AnalyticsRegistry(Options.Create(new FormulaOptions()), rollups);
        await registry.CreateAsync(House1, new("solar", "pos(egauge.A.Solar)") { ContinuousAggregation = true });
        await registry.CreateAsync(House1, new("net", "solar - egauge.A.Load") { ContinuousAggregation = true });
        await registry.CreateAsync(House1, new("plain", "egauge.A.Other"));
        Assert.Equal(["ensure house-1 egauge.A.Solar 01:00:00", "ensure house-1 egauge.A.Load 01:00:00"], rollups.Calls);
        Assert.Equal(2, registry.GetRollupReferences(House1)[new("egauge", "A.Solar")]);

        rollups.Calls.Clear();
        await registry.ReplaceAsync(House1, new("net", "-egauge.A.Load") { ContinuousAggregation = true });
        Assert.Empty(rollups.Calls);
        Assert.Equal(1, registry.GetRollupReferences(House1)[new("egauge", "A.Solar")]);

        await registry.DeleteAsync(House1, "solar");
        Assert.Equal(["drop house-1 egauge.A.Solar 01:00:00"], rollups.Calls);

        rollups.Calls.Clear();
        await registry.ReplaceAsync(House1, new("net", "-egauge.A.Load"));
        Assert.Equal(["drop house-1 egauge.A.Load 01:00:00"], rollups.Calls);
        Assert.Empty(registry.GetRollupReferences(House1));
    }

    [Fact]
    public async Task Exports_and_imports_a_scope_as_readable_json()
    {
        using var source = new AnalyticsRegistry();
        await source.CreateAsync(House1, new("solar", "pos(egauge.A.Solar)") { Description = "Solar (kW)", ContinuousAggregation = true });
        await source.CreateAsync(House1, new("grid_import", "-neg(egauge.A.GridPower)"));
        var json = source.ExportJson(House1);
        Assert.Contains("\"formula\": \"pos(egauge.A.Solar)\"", json, StringComparison.Ordinal);

        var rollups = new RecordingRollupManager();
        using var target = new AnalyticsRegistry(rollups: rollups);
        Assert.Equal(2, await target.ImportJsonAsync(House2, json));
        Assert.Equal(source.List(House1), target.List(House2));
        Assert.Equal(["ensure house-2 egauge.A.Solar 01:00:00"], rollups.Calls);

        var scope = FormulaScope.FromAnalyticsJson(json);
        Assert.Equal([new FieldReference("egauge", "A.Solar")], Formula.Parse("solar").GetDependencies(scope));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"analytics\":[{\"name\":\"a\"}]}")]
    [InlineData("{\"analytics\":[{\"name\":\"a b\",\"formula\":\"1\"}]}")]
    [InlineData("{\"analytics\":[{\"name\":\"a\",\"formula\":\"1\"},{\"name\":\"a\",\"formula\":\"2\"}]}")]
    [InlineData("{\"analytics\":[{\"name\":\"a\",\"formula\":\"1\",\"continuousAggregation\":\"yes\"}]}")]
    public async Task Refuses_malformed_analytics_json_without_changing_the_scope(string json)
    {
        using var registry = new AnalyticsRegistry();
        await Assert.ThrowsAsync<CohortException>(() => registry.ImportJsonAsync(House1, json).AsTask());
        Assert.Empty(registry.List(House1));
    }

    [Fact]
    public async Task Import_is_all_or_nothing_and_names_the_faulty_analytic()
    {
        using var registry = new AnalyticsRegistry();
        const string json = """{"analytics":[{"name":"a","formula":"d.x"},{"name":"b","formula":"a + "}]}""";
        var error = await Assert.ThrowsAsync<FormulaException>(() => registry.ImportJsonAsync(House1, json).AsTask());
        Assert.Contains("In analytic 'b'", error.Message, StringComparison.Ordinal);
        Assert.Empty(registry.List(House1));
    }

    [Fact]
    public async Task Evaluates_an_analytic_over_a_time_range_from_a_point_reader()
    {
        var points = new List<(Tenant, Point)>();
        for (var i = 0; i < 6; i++)
        {
            points.Add((House1, new Point("egauge", TagSet.Empty, "A.Battery", (double)(i - 3), i * 60 * S)));
            points.Add((House2, new Point("egauge", TagSet.Empty, "A.Battery", 100.0, i * 60 * S)));
        }

        points.Add((House1, new Point("charger1", TagSet.Empty, "current", 5L, 120 * S)));
        var reader = new InMemoryPointReader(points);
        using var registry = new AnalyticsRegistry();
        await registry.CreateAsync(House1, new("battery_charging", "pos(egauge.A.Battery)"));
        await registry.CreateAsync(House1, new("total", "battery_charging + coalesce(charger1.current, 0)"));

        var result = await registry.EvaluateAsync(House1, "total", reader, new TimeRange(60 * S, 300 * S));
        Assert.Equal([60 * S, 120 * S, 180 * S, 240 * S], result.Timestamps.ToArray());
        Assert.Equal([0, 5, 0, 1], result.Values.ToArray());
        await Assert.ThrowsAsync<CohortException>(() => registry.EvaluateAsync(House1, "nope", reader, TimeRange.All).AsTask());
    }

    [Fact]
    public async Task Registers_through_dependency_injection_with_the_host_rollup_manager()
    {
        var rollups = new RecordingRollupManager();
        var services = new ServiceCollection()
            .AddSingleton<IRollupManager>(rollups)
            .AddCohortFormulas(o => o.RollupPeriod = TimeSpan.FromMinutes(15));
        await using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<AnalyticsRegistry>();
        Assert.Same(registry, provider.GetRequiredService<AnalyticsRegistry>());
        await registry.CreateAsync(House1, new("a", "d.x") { ContinuousAggregation = true });
        Assert.Equal(["ensure house-1 d.x 00:15:00"], rollups.Calls);
    }

    [Fact]
    public void Options_validation_refuses_a_non_positive_rollup_period()
    {
        using var provider = new ServiceCollection().AddCohortFormulas(o => o.RollupPeriod = TimeSpan.Zero).BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FormulaOptions>>().Value);
    }
}
