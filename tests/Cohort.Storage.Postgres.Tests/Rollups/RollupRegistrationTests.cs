using Cohort.Aggregation;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Cohort.Storage.Postgres.Tests.Rollups;

public sealed class RollupRegistrationTests
{
    [Fact]
    public async Task AddCohortPostgres_before_AddCohortAggregation_makes_the_store_the_rollup_manager_and_reader()
    {
        var services = new ServiceCollection()
            .AddCohortPostgres(o => o.ConnectionString = "Host=127.0.0.1;Database=cohort")
            .AddCohortAggregation();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<PostgresPointStore>();
        Assert.Same(store.Rollups, provider.GetRequiredService<IRollupManager>());
        Assert.Same(store.Rollups, provider.GetRequiredService<IRollupReader>());
    }

    [Fact]
    public async Task AddCohortAggregation_first_keeps_the_in_process_engine()
    {
        var services = new ServiceCollection()
            .AddCohortAggregation()
            .AddCohortPostgres(o => o.ConnectionString = "Host=127.0.0.1;Database=cohort");
        await using var provider = services.BuildServiceProvider();
        Assert.IsType<InProcessRollupEngine>(provider.GetRequiredService<IRollupManager>());
    }

    [Fact]
    public void A_negative_refresh_lag_is_refused_naming_the_option()
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresPointStore(new PostgresStoreOptions { ConnectionString = "Host=x", RollupRefreshLag = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("RollupRefreshLag", error.Message, StringComparison.Ordinal);
    }
}
