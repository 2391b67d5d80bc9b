using System.Text;
using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Studies.Exports;
using Cohort.Testing.Servers;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Exports;

public sealed class ResearchExporterTests(PostgresFixture pg) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Tenant[] Participants = [new("p-001"), new("p-002")];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static PointBatch Minutes(DateTimeOffset from, int count, double value) => PointBatch.FromPoints(
        Enumerable.Range(0, count).Select(i => new Point("watch", TagSet.Create(("sensor", "wrist")), "heart_rate", value + i % 7, Timestamps.FromDateTimeOffset(from.AddMinutes(i)))));

    private async Task<PostgresPointStore> StoreWithThreeDaysAsync()
    {
        var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = await pg.CreateUniqueDatabaseAsync("export") });
        foreach (var participant in Participants)
        {
            Assert.True((await store.WriteAsync(participant, Minutes(Day1, 3 * 1440, 60))).IsComplete);
        }

        return store;
    }

    private static async Task<(string Csv, ExportResult Result)> ExportAsync(ResearchExporter exporter, TimeRange range)
    {
        using var output = new MemoryStream();
        var result = await exporter.ExportCsvAsync(output, Participants, range);
        return (Encoding.UTF8.GetString(output.ToArray()), result);
    }

    [Fact]
    public async Task The_second_export_reads_completed_days_from_the_cache_and_only_the_tail_from_the_store()
    {
        await using var store = await StoreWithThreeDaysAsync();
        var time = new FakeTimeProvider(Day1.AddDays(2).AddHours(12)); // day 3 is still going
        var exporter = new ResearchExporter(store, new FolderExportCache(_folder.File("cache")), time);
        var range = TimeRange.Between(Day1, Day1.AddDays(3));

        var (first, firstResult) = await ExportAsync(exporter, range);
        var (second, secondResult) = await ExportAsync(exporter, range);

        Assert.Equal(new ExportResult(2 * 3 * 1440, 0, 6), firstResult);
        Assert.Equal(new ExportResult(2 * 3 * 1440, 4, 2), secondResult); // days 1-2 of each participant cached; day 3 fetched
        Assert.Equal(first, second);
        var lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("tenant,time,measurement,tags,field,value", lines[0]);
        Assert.Equal("p-001,2026-03-01T00:00:00.0000000Z,watch,sensor=wrist,heart_rate,60", lines[1]);
        Assert.Equal(2, Directory.GetFiles(_folder.File("cache/p-001")).Length);
    }

    [Fact]
    public async Task Late_data_invalidates_only_its_day()
    {
        await using var store = await StoreWithThreeDaysAsync();
        var time = new FakeTimeProvider(Day1.AddDays(4));
        var exporter = new ResearchExporter(store, new FolderExportCache(_folder.File("cache")), time);
        var range = TimeRange.Between(Day1, Day1.AddDays(3));
        await ExportAsync(exporter, range);

        var late = PointBatch.FromPoints([new Point("watch", TagSet.Create(("sensor", "wrist")), "heart_rate", 99.5, Timestamps.FromDateTimeOffset(Day1.AddDays(1).AddHours(3).AddSeconds(30)))]);
        await store.WriteAsync(Participants[0], late);
        await exporter.InvalidateAsync(Participants[0], late);
        var (csv, result) = await ExportAsync(exporter, range);

        Assert.Equal(new ExportResult(2 * 3 * 1440 + 1, 5, 1), result);
        Assert.Contains("p-001,2026-03-02T03:00:30.0000000Z,watch,sensor=wrist,heart_rate,99.5\n", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partial_day_at_the_edge_of_the_range_is_never_cached()
    {
        await using var store = await StoreWithThreeDaysAsync();
        var exporter = new ResearchExporter(store, new FolderExportCache(_folder.File("cache")), new FakeTimeProvider(Day1.AddDays(10)));

        var (_, result) = await ExportAsync(exporter, TimeRange.Between(Day1.AddHours(12), Day1.AddDays(1)));
        var (_, again) = await ExportAsync(exporter, TimeRange.Between(Day1.AddHours(12), Day1.AddDays(1)));

        Assert.Equal(new ExportResult(2 * 720, 0, 2), result);
        Assert.Equal(new ExportResult(2 * 720, 0, 2), again);
        Assert.False(Directory.Exists(_folder.File("cache")));
    }
}
