using System.IO.Compression;
using Cohort.Core;
using Cohort.Storage.InfluxDB;
using Cohort.Storage.Postgres;
using Cohort.Storage.Sqlite;
using Cohort.Testing.Servers;

namespace Cohort.Cli.Tests;

/// <summary><c>cohort export</c> and <c>cohort import</c>, run as a process, between SQLite files and the real servers.</summary>
public sealed class PortabilityCommandTests(PostgresFixture pg, InfluxDbFixture influx) : IClassFixture<PostgresFixture>, IClassFixture<InfluxDbFixture>
{
    private static readonly Point[] Points =
    [
        new("power", TagSet.Create(("device", "pv")), [new Field("watts", 1.5), new Field("note", "two\nlines")], 1_000),
        new("power", TagSet.Create(("device", "grid")), "watts", -2.5, 2_000),
        new("state", TagSet.Empty, [new Field("on", true), new Field("n", 7UL), new Field("i", long.MinValue)], 3_000),
    ];

    private static async Task<string> SeedSqliteAsync(TempDir dir, string tenant = "house-1")
    {
        var folder = dir.File("source");
        await using var store = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + folder));
        Assert.True((await store.WriteAsync(new Tenant(tenant), PointBatch.FromPoints(Points))).IsComplete);
        return folder;
    }

    [Fact]
    public async Task Export_then_import_between_sqlite_stores_keeps_every_point()
    {
        using var dir = new TempDir();
        var source = await SeedSqliteAsync(dir);

        var exported = await CliRunner.RunAsync(null, "export", "--store", "sqlite:" + source, "--tenant", "house-1", "-o", dir.File("house.zip"));
        var imported = await CliRunner.RunAsync(null, "import", "--store", "sqlite:" + dir.File("target"), dir.File("house.zip"));

        Assert.Equal((0, ""), (exported.ExitCode, exported.StdErr));
        Assert.Contains("3 points (6 values) in 3 series of 2 measurements exported from tenant house-1", exported.StdOut);
        Assert.Equal((0, ""), (imported.ExitCode, imported.StdErr));
        Assert.Contains("3 points read, 6 values written to tenant house-1, 0 rejected", imported.StdOut);
        await using var source2 = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + source));
        await using var target = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + dir.File("target")));
        Assert.Equal(await StoreReads.ReadAllAsync(source2, "house-1"), await StoreReads.ReadAllAsync(target, "house-1"));
    }

    [Fact]
    public async Task Import_with_a_tenant_writes_into_that_tenant()
    {
        using var dir = new TempDir();
        var source = await SeedSqliteAsync(dir);
        await CliRunner.RunAsync(null, "export", "--store", "sqlite:" + source, "--tenant", "house-1", "-o", dir.File("house.zip"));

        var imported = await CliRunner.RunAsync(null, "import", "--store", "sqlite:" + dir.File("target"), "--tenant", "copy-1", dir.File("house.zip"));

        Assert.Equal(0, imported.ExitCode);
        await using var target = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + dir.File("target")));
        Assert.Equal(3, (await StoreReads.ReadAllAsync(target, "copy-1")).Count);
        Assert.Empty(await StoreReads.ReadAllAsync(target, "house-1"));
    }

    [Fact]
    public async Task Export_from_postgres_and_import_into_influxdb()
    {
        using var dir = new TempDir();
        var connectionString = await pg.CreateUniqueDatabaseAsync("cliport");
        await using (var postgres = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = connectionString }))
        {
            Assert.True((await postgres.WriteAsync(new Tenant("house-1"), PointBatch.FromPoints(Points))).IsComplete);
        }

        var tenant = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var exported = await CliRunner.RunAsync(null, "export", "--store", "postgres:" + connectionString, "--tenant", "house-1", "-o", dir.File("pg.zip"));
        var imported = await CliRunner.RunAsync(null, "import", "--store", "influxdb:" + influx.BaseUri, "--tenant", tenant, dir.File("pg.zip"));

        Assert.Equal(0, exported.ExitCode);
        Assert.Equal((0, ""), (imported.ExitCode, imported.StdErr));
        using var store = new InfluxDbPointStore(InfluxDbStoreOptions.FromUri("influxdb:" + influx.BaseUri));
        var points = await StoreReads.ReadAllAsync(store, tenant);
        Assert.Equal(Points.OrderBy(p => p.Measurement, StringComparer.Ordinal).ThenBy(p => p.Tags.ToCanonicalString(), StringComparer.Ordinal).Select(p => p.Timestamp), points.Select(p => p.Timestamp));
        Assert.Equal("two\nlines", points.Single(p => p.Tags["device"] == "pv")["note"]!.Value.AsString());
        Assert.Equal(long.MinValue, points.Single(p => p.Measurement == "state")["i"]!.Value.AsInt64());
    }

    [Fact]
    public async Task A_corrupt_archive_exits_2_with_entry_line_and_column_and_writes_nothing()
    {
        using var dir = new TempDir();
        var source = await SeedSqliteAsync(dir);
        await CliRunner.RunAsync(null, "export", "--store", "sqlite:" + source, "--tenant", "house-1", "-o", dir.File("house.zip"));
        using (var zip = ZipFile.Open(dir.File("house.zip"), ZipArchiveMode.Update))
        {
            zip.GetEntry("data/state.lp")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("data/state.lp").Open());
            writer.Write("state i=-9223372036854775808i,n=7u,on=maybe 3000\n");
        }

        var result = await CliRunner.RunAsync(null, "import", "--store", "sqlite:" + dir.File("target"), dir.File("house.zip"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("cohort: data/state.lp:1:39: invalid value \"maybe\" for field \"on\"", result.StdErr);
        Assert.False(Directory.Exists(dir.File("target")) && Directory.EnumerateFiles(dir.File("target"), "*.db").Any());
    }

    [Fact]
    public async Task Values_the_store_refuses_exit_1_and_are_reported_by_entry_and_line()
    {
        using var dir = new TempDir();
        var source = await SeedSqliteAsync(dir);
        await CliRunner.RunAsync(null, "export", "--store", "sqlite:" + source, "--tenant", "house-1", "-o", dir.File("house.zip"));
        await using (var target = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + dir.File("target"))))
        {
            await target.WriteAsync(new Tenant("house-1"), PointBatch.FromPoints([new Point("state", TagSet.Empty, "on", "text", 1)]));
        }

        var result = await CliRunner.RunAsync(null, "import", "--store", "sqlite:" + dir.File("target"), dir.File("house.zip"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("data/state.lp:1: Field 'on' of measurement 'state' holds String values", result.StdErr);
        Assert.Contains("5 values written to tenant house-1, 1 rejected", result.StdOut);
    }

    [Theory]
    [InlineData("export", "--store", "sqlite:STORE", "--tenant", "bad tenant", "-o", "ARCHIVE", "--tenant: character 4")]
    [InlineData("export", "--store", "mysql://x", "--tenant", "t1", "-o", "ARCHIVE", "--store: 'mysql://x' is not a store URI")]
    [InlineData("import", "--store", "sqlite:STORE", "MISSING", null, null, null, "no such file:")]
    [InlineData("import", "--store", "sqlite:STORE", "--tenant", "", "ARCHIVE", null, "--tenant: it is empty")]
    public async Task Bad_arguments_exit_2_with_the_reason(string verb, string a1, string a2, string a3, string? a4, string? a5, string? a6, string reason)
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("archive.zip"), "not used");
        var args = new[] { verb, a1, a2, a3, a4, a5, a6 }
            .Where(a => a is not null)
            .Select(a => a!.Replace("STORE", dir.File("store"), StringComparison.Ordinal).Replace("ARCHIVE", dir.File("archive.zip"), StringComparison.Ordinal).Replace("MISSING", dir.File("missing.zip"), StringComparison.Ordinal))
            .ToArray();

        var result = await CliRunner.RunAsync(null, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.StdErr);
    }

    [Theory]
    [InlineData("export", "--output")]
    [InlineData("import", "--tenant")]
    public async Task Each_verb_has_help(string verb, string option)
    {
        var result = await CliRunner.RunAsync(null, verb, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--store", result.StdOut);
        Assert.Contains(option, result.StdOut);
    }

    [Fact]
    public async Task A_file_that_is_not_an_archive_exits_2()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("notes.zip"), "power watts=1 1\n");

        var result = await CliRunner.RunAsync(null, "import", "--store", "sqlite:" + dir.File("store"), dir.File("notes.zip"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not a zip archive", result.StdErr);
    }

    [Fact]
    public async Task An_unreachable_store_exits_2_and_leaves_no_partial_archive()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(null, "export", "--store", "postgres:Host=127.0.0.1;Port=1;Username=nobody;Timeout=2", "--tenant", "t1", "-o", dir.File("out.zip"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("cohort: ", result.StdErr);
        Assert.False(File.Exists(dir.File("out.zip")));
    }
}
