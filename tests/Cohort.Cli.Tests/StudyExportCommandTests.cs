using Cohort.Core;
using Cohort.Storage.Sqlite;
using Parquet;

namespace Cohort.Cli.Tests;

/// <summary><c>cohort study export</c>, run as a process, over a SQLite store.</summary>
public sealed class StudyExportCommandTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<string> SeedAsync(TempDir dir)
    {
        var folder = dir.File("store");
        await using var store = new SqlitePointStore(SqliteStoreOptions.FromUri("sqlite:" + folder));
        foreach (var (tenant, offset) in new[] { ("p-001", 0.0), ("p-002", 100.0) })
        {
            var points = Enumerable.Range(0, 2 * 24).Select(i => new Point("watch", TagSet.Create(("sensor", "wrist")), "heart_rate", offset + i, Timestamps.FromDateTimeOffset(Day1.AddHours(i))));
            Assert.True((await store.WriteAsync(new Tenant(tenant), PointBatch.FromPoints(points))).IsComplete);
        }

        return "sqlite:" + folder;
    }

    private static Task<CliResult> ExportAsync(string store, TempDir dir, string format, string output, string tenants = "p-001,p-002") =>
        CliRunner.RunAsync(null, "study", "export", "--store", store, "--tenants", tenants, "--from", "2026-03-01", "--to", "2026-03-03",
            "--format", format, "--cache", dir.File("cache"), "-o", dir.File(output));

    [Fact]
    public async Task Exports_CSV_and_the_second_run_copies_the_cached_days()
    {
        using var dir = new TempDir();
        var store = await SeedAsync(dir);

        var first = await ExportAsync(store, dir, "csv", "first.csv");
        var second = await ExportAsync(store, dir, "csv", "second.csv");

        Assert.Equal((0, ""), (first.ExitCode, first.StdErr));
        Assert.Contains("96 rows of 2 participants exported as CSV: 0 participant-days from the cache, 4 from the store", first.StdOut);
        Assert.Contains("96 rows of 2 participants exported as CSV: 4 participant-days from the cache, 0 from the store", second.StdOut);
        var lines = await File.ReadAllLinesAsync(dir.File("first.csv"));
        Assert.Equal("tenant,time,measurement,tags,field,value", lines[0]);
        Assert.Equal("p-002,2026-03-02T23:00:00.0000000Z,watch,sensor=wrist,heart_rate,147", lines[^1]);
        Assert.Equal(lines, await File.ReadAllLinesAsync(dir.File("second.csv")));
    }

    [Fact]
    public async Task Exports_Parquet_with_one_row_group_per_participant_day()
    {
        using var dir = new TempDir();
        var store = await SeedAsync(dir);

        var first = await ExportAsync(store, dir, "parquet", "first.parquet", "p-002");
        var second = await ExportAsync(store, dir, "parquet", "second.parquet", "p-002");

        Assert.Equal((0, ""), (first.ExitCode, first.StdErr));
        Assert.Contains("48 rows of 1 participants exported as Parquet: 2 participant-days from the cache, 0 from the store", second.StdOut);
        foreach (var file in new[] { "first.parquet", "second.parquet" })
        {
            await using var stream = File.OpenRead(dir.File(file));
            await using var reader = await ParquetReader.CreateAsync(stream);
            Assert.Equal([24L, 24L], reader.RowGroups.Select(g => g.RowCount));
            var values = new double?[24];
            await reader.RowGroups[1].ReadAsync<double>(reader.Schema.FindDataField("value"), values);
            Assert.Equal(Enumerable.Range(124, 24).Select(v => (double?)v), values);
        }

        Assert.True(File.Exists(dir.File("cache/p-002/2026-03-01.parquet")));
    }

    [Theory]
    [InlineData("--format", "xlsx", "xlsx")]
    [InlineData("--tenants", "p 1", "--tenants")]
    [InlineData("--from", "yesterday-ish", "--from")]
    public async Task A_bad_argument_exits_2_and_says_which(string option, string value, string expected)
    {
        using var dir = new TempDir();
        var args = new Dictionary<string, string> { ["--store"] = "sqlite:" + dir.File("store"), ["--tenants"] = "p-001", ["--from"] = "2026-03-01", ["--to"] = "2026-03-02", ["--format"] = "csv", ["-o"] = dir.File("out.csv") };
        args[option] = value;

        var result = await CliRunner.RunAsync(null, ["study", "export", .. args.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.StdErr + result.StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("out.csv")));
    }
}
