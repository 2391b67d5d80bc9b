using Cohort.Core;
using Cohort.Storage.InfluxDB;
using Cohort.Storage.Postgres;
using Cohort.Testing.Servers;

namespace Cohort.Cli.Tests;

/// <summary><c>cohort ingest</c> into the server stores, against real PostgreSQL and InfluxDB started for the run.</summary>
public sealed class IngestServerStoreTests(PostgresFixture pg, InfluxDbFixture influx) : IClassFixture<PostgresFixture>, IClassFixture<InfluxDbFixture>
{
    private const string Input = "power,device=pv watts=1.5 1000\npower,device=pv watts=oops 2000\npower,device=grid watts=2.5 3000\n";

    [Fact]
    public async Task Ingest_into_postgres_lands_the_good_lines_in_the_tenant()
    {
        var connectionString = await pg.CreateUniqueDatabaseAsync("cli");

        var result = await CliRunner.RunAsync(Input, "ingest", "--store", "postgres:" + connectionString, "--tenant", "house-1", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("2:23: ", result.StdErr);
        await using var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString });
        Assert.Equal([1.5, 2.5], (await StoreReads.ReadAllAsync(store, "house-1")).Select(p => p["watts"]!.Value.AsDouble()).Order());
        Assert.Empty(await StoreReads.ReadAllAsync(store, "house-2"));
    }

    [Fact]
    public async Task Ingest_into_influxdb_lands_the_good_lines_in_the_tenant()
    {
        var uri = "influxdb:" + influx.BaseUri;
        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..8];

        var result = await CliRunner.RunAsync(Input, "ingest", "--store", uri, "--tenant", tenant, "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 values written", result.StdOut);
        using var store = new InfluxDbPointStore(InfluxDbStoreOptions.FromUri(uri));
        Assert.Equal([1.5, 2.5], (await StoreReads.ReadAllAsync(store, tenant)).Select(p => p["watts"]!.Value.AsDouble()).Order());
    }
}
