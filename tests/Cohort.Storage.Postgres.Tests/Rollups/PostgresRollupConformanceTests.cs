using Cohort.Storage.Conformance;
using Cohort.Testing.Servers;

namespace Cohort.Storage.Postgres.Tests.Rollups;

/// <summary>The rollup contract suite against the plain-PostgreSQL path of the real PostgreSQL 15 server.</summary>
public sealed class PostgresRollupConformanceTests(PostgresFixture pg) : RollupConformanceTests, IClassFixture<PostgresFixture>
{
    protected override async ValueTask<RollupsUnderTest> CreateAsync()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("rollups");
        var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString, RollupRefreshLag = TimeSpan.FromHours(1) }, timeProvider: Clock);
        return new RollupsUnderTest(store, store.Rollups, store.Rollups, store.Rollups.RefreshAllAsync, store.DisposeAsync) { Deleter = store };
    }
}
