using Cohort.Core;
using Cohort.Storage.Sqlite;

namespace Cohort.Cli.Tests;

public sealed class IngestCommandTests
{
    private static async Task<List<Point>> ReadAllAsync(string folder, string tenant)
    {
        await using var store = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + folder));
        var points = new List<Point>();
        await foreach (var point in store.ReadAsync(new Tenant(tenant), new PointQuery(TimeRange.All)))
        {
            points.Add(point);
        }

        return points;
    }

    [Fact]
    public async Task Line_protocol_lands_in_the_store_and_bad_lines_are_reported_with_their_position()
    {
        using var dir = new TempDir();
        var input = "power,device=pv watts=1.5 1000\npower,device=pv watts=oops 2000\npower,device=pv watts=2.5 3000\n";

        var result = await CliRunner.RunAsync(input, "ingest", "--store", "sqlite:" + dir.Path, "--tenant", "house-1", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("2:23: ", result.StdErr);
        Assert.Contains("2 values written to tenant house-1, 1 rejected", result.StdOut);
        var points = await ReadAllAsync(dir.Path, "house-1");
        Assert.Equal([1.5, 2.5], points.Select(p => p["watts"]!.Value.AsDouble()));
        Assert.Empty(await ReadAllAsync(dir.Path, "house-2"));
    }

    [Fact]
    public async Task Line_numbers_stay_right_across_chunks_of_a_large_input()
    {
        using var dir = new TempDir();
        var lines = Enumerable.Range(0, 120_000).Select(i => $"m,series=s{i % 7} v={i}i {1_000_000 + i}").ToList();
        lines[100_000] = "m,series=s1 v=broken 5";
        await File.WriteAllLinesAsync(dir.File("big.lp"), lines);

        var result = await CliRunner.RunAsync(null, "ingest", "--store", "sqlite:" + dir.File("store"), "--tenant", "t1", dir.File("big.lp"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("100001:", result.StdErr);
        Assert.Contains("119999 values written", result.StdOut);
        Assert.Equal(119_999, (await ReadAllAsync(dir.File("store"), "t1")).Count);
    }

    [Fact]
    public async Task Json_readings_land_and_a_bad_reading_is_named_by_its_path()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("readings.json"), """
            [{"measurement":"env","tags":{"room":"r1"},"fields":{"t":21.5},"timestamp":"2026-01-01T00:00:00Z"},
             {"tags":{"room":"r1"},"fields":{"t":20.5},"timestamp":"2026-01-01T00:01:00Z"},
             {"measurement":"env","tags":{"room":"r2"},"fields":{"t":19},"timestamp":"2026-01-01T00:02:00Z"}]
            """);

        var result = await CliRunner.RunAsync(null, "ingest", "--store", "sqlite:" + dir.Path, "--tenant", "study-7", dir.File("readings.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("$[1]", result.StdErr);
        Assert.Equal(2, (await ReadAllAsync(dir.Path, "study-7")).Count);
    }

    [Fact]
    public async Task A_value_the_store_refuses_is_reported_and_the_rest_lands()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync("m v=1.5 1\nm v=\"text\" 2\nm v=2.5 3\n", "ingest", "--store", "sqlite:" + dir.Path, "--tenant", "t", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("keeps its first type", result.StdErr);
        Assert.Contains("2 values written", result.StdOut);
    }

    [Fact]
    public async Task An_invalid_tenant_or_store_is_a_usage_error()
    {
        var tenant = await CliRunner.RunAsync("m v=1 1\n", "ingest", "--store", "sqlite:/tmp", "--tenant", "no spaces", "-");
        var store = await CliRunner.RunAsync("m v=1 1\n", "ingest", "--store", "mongodb://x", "--tenant", "t", "-");

        Assert.Equal(2, tenant.ExitCode);
        Assert.Contains("--tenant", tenant.StdErr);
        Assert.Equal(2, store.ExitCode);
        Assert.Contains("mongodb://x", store.StdErr);
    }
}
