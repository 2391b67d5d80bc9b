using System.Globalization;
using System.Text;
using Cohort.Core;
using Cohort.Storage.Postgres;
using Cohort.Studies.Exports;
using Cohort.Testing.Servers;
using Microsoft.Extensions.Time.Testing;
using Parquet;

namespace Cohort.Studies.Tests.Exports;

/// <summary><see cref="ResearchExporter.ExportParquetAsync"/> over a real PostgreSQL, read back with Parquet.Net.</summary>
public sealed class ParquetExportTests(PostgresFixture pg) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Tenant[] Participants = [new("p-001"), new("p-002")];
    private static readonly TimeRange ThreeDays = TimeRange.Between(Day1, Day1.AddDays(3));
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Every 10 minutes for 3 days: a double, and every hour an integer, a boolean and a string that needs CSV quoting; one point 123 ns past a whole second.</summary>
    private async Task<PostgresPointStore> StoreAsync()
    {
        var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = await pg.CreateUniqueDatabaseAsync("parquet") });
        var tags = TagSet.Create(("room", "living, east"), ("sensor", "wrist"));
        foreach (var (participant, index) in Participants.Select((p, i) => (p, i)))
        {
            var points = Enumerable.Range(0, 3 * 144).Select(i =>
            {
                var time = Timestamps.FromDateTimeOffset(Day1.AddMinutes(10 * i)) + (i == 7 ? 123 : 0);
                Field[] fields = i % 6 == 0
                    ? [new("heart_rate", 60.5 + i % 7 + index), new("steps", (long)i * 1_000_003), new("worn", i % 12 == 0), new("note", $"said \"hi\", {i}")]
                    : [new("heart_rate", 60.5 + i % 7 + index)];
                return new Point("watch", tags, fields, time);
            });
            Assert.True((await store.WriteAsync(participant, PointBatch.FromPoints(points))).IsComplete);
        }

        return store;
    }

    private ResearchExporter Exporter(IPointReader store, DateTimeOffset now) =>
        new(store, new FolderExportCache(_folder.File("cache")), new FakeTimeProvider(now));

    private static async Task<(byte[] Parquet, ExportResult Result)> ParquetAsync(ResearchExporter exporter, TimeRange range, params Tenant[] tenants)
    {
        using var output = new MemoryStream();
        var result = await exporter.ExportParquetAsync(output, tenants.Length == 0 ? Participants : tenants, range);
        return (output.ToArray(), result);
    }

    private static async Task<string[]> CsvLinesAsync(ResearchExporter exporter, TimeRange range)
    {
        using var output = new MemoryStream();
        await exporter.ExportCsvAsync(output, Participants, range);
        return Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
    }

    /// <summary>The rows of a Parquet export, each written back as the CSV line it stands for.</summary>
    private static async Task<List<string>> AsCsvLinesAsync(byte[] parquet)
    {
        using var stream = new MemoryStream(parquet);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["tenant", "time", "time_ns", "measurement", "tags", "field", "value", "value_text"], fields.Select(f => f.Name));
        var lines = new List<string>();
        foreach (var group in reader.RowGroups)
        {
            var n = (int)group.RowCount;
            string[] tenant = new string[n], measurement = new string[n], tags = new string[n], field = new string[n], text = new string[n];
            var time = new DateTime[n];
            var timeNs = new long[n];
            var value = new double?[n];
            await group.ReadAsync(fields[0], tenant);
            await group.ReadAsync<DateTime>(fields[1], time);
            await group.ReadAsync<long>(fields[2], timeNs);
            await group.ReadAsync(fields[3], measurement);
            await group.ReadAsync(fields[4], tags);
            await group.ReadAsync(fields[5], field);
            await group.ReadAsync<double>(fields[6], value);
            await group.ReadAsync(fields[7], text);
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(Timestamps.ToDateTimeOffset(timeNs[i]).UtcDateTime, time[i]);
                Assert.Equal(DateTimeKind.Utc, time[i].Kind);
                var shown = text[i] ?? value[i]!.Value.ToString("R", CultureInfo.InvariantCulture);
                lines.Add(string.Join(',', tenant[i], CsvTime(timeNs[i]), Quote(measurement[i]), Quote(tags[i]), Quote(field[i]), Quote(shown)));
            }
        }

        return lines;
    }

    private static string CsvTime(long ns) => Timestamps.ToDateTimeOffset(ns).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string Quote(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal) ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    [Fact]
    public async Task A_Parquet_export_holds_the_same_rows_as_the_CSV_export()
    {
        await using var store = await StoreAsync();
        var exporter = Exporter(store, Day1.AddDays(2).AddHours(12));

        var (parquet, result) = await ParquetAsync(exporter, ThreeDays);
        var csv = await CsvLinesAsync(exporter, ThreeDays);

        Assert.Equal(csv, await AsCsvLinesAsync(parquet));
        Assert.Equal(csv.Length, result.Rows);
        Assert.Equal(2 * (3 * 144 + 3 * 24 * 3), result.Rows);
        Assert.Contains("p-001,2026-03-01T00:00:00.0000000Z,watch,\"room=living\\,\\ east,sensor=wrist\",note,\"said \"\"hi\"\", 0\"", csv);
    }

    [Fact]
    public async Task Non_double_values_keep_their_exact_text_and_numbers_stay_numbers()
    {
        await using var store = await StoreAsync();
        var (parquet, _) = await ParquetAsync(Exporter(store, Day1.AddDays(10)), TimeRange.Between(Day1.AddHours(1), Day1.AddHours(2)), Participants[0]);

        using var stream = new MemoryStream(parquet);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var group = reader.RowGroups.Single();
        var n = (int)group.RowCount;
        var field = new string[n];
        var value = new double?[n];
        var text = new string[n];
        var timeNs = new long[n];
        await group.ReadAsync(reader.Schema.FindDataField("field"), field);
        await group.ReadAsync<double>(reader.Schema.FindDataField("value"), value);
        await group.ReadAsync(reader.Schema.FindDataField("value_text"), text);
        await group.ReadAsync<long>(reader.Schema.FindDataField("time_ns"), timeNs);
        var row = Enumerable.Range(0, n).ToDictionary(i => (field[i], timeNs[i]));

        var hour = Timestamps.FromDateTimeOffset(Day1.AddHours(1));
        Assert.Equal((60.5 + 6 % 7, null), (value[row[("heart_rate", hour)]], text[row[("heart_rate", hour)]]));
        Assert.Equal((6 * 1_000_003.0, "6000018"), (value[row[("steps", hour)]], text[row[("steps", hour)]]));
        Assert.Equal((0.0, "false"), (value[row[("worn", hour)]], text[row[("worn", hour)]]));
        Assert.Equal((null, "said \"hi\", 6"), (value[row[("note", hour)]], text[row[("note", hour)]]));
        Assert.Contains(Timestamps.FromDateTimeOffset(Day1.AddMinutes(70)) + 123, timeNs); // nanoseconds kept exactly in time_ns
        var schema = reader.Metadata!.Schema.Single(e => e.Name == "time");
        var timestamp = schema.LogicalType!.TIMESTAMP!;
        Assert.True(timestamp.IsAdjustedToUTC);
        Assert.NotNull(timestamp.Unit!.NANOS);
    }

    [Fact]
    public async Task The_second_export_copies_completed_days_from_the_cache_and_is_identical()
    {
        await using var store = await StoreAsync();
        var exporter = Exporter(store, Day1.AddDays(2).AddHours(12)); // day 3 is still going

        var (first, firstResult) = await ParquetAsync(exporter, ThreeDays);
        var (second, secondResult) = await ParquetAsync(exporter, ThreeDays);

        Assert.Equal(new ExportResult(firstResult.Rows, 0, 6), firstResult);
        Assert.Equal(new ExportResult(firstResult.Rows, 4, 2), secondResult);
        Assert.Equal(await AsCsvLinesAsync(first), await AsCsvLinesAsync(second));
        Assert.Equal(["2026-03-01.parquet", "2026-03-02.parquet"], Directory.GetFiles(_folder.File("cache/p-001")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CSV_and_Parquet_pieces_are_cached_side_by_side_and_late_data_invalidates_one_day_of_both()
    {
        await using var store = await StoreAsync();
        var exporter = Exporter(store, Day1.AddDays(4));
        await ParquetAsync(exporter, ThreeDays);
        await CsvLinesAsync(exporter, ThreeDays);

        var late = PointBatch.FromPoints([new Point("watch", TagSet.Create(("sensor", "wrist")), "heart_rate", 99.5, Timestamps.FromDateTimeOffset(Day1.AddDays(1).AddHours(3).AddSeconds(30)))]);
        await store.WriteAsync(Participants[0], late);
        await exporter.InvalidateAsync(Participants[0], late);
        var (parquet, result) = await ParquetAsync(exporter, ThreeDays);
        var csv = await CsvLinesAsync(exporter, ThreeDays);

        Assert.Equal(5, result.DaysFromCache);
        Assert.Equal(1, result.DaysFromStore);
        var lines = await AsCsvLinesAsync(parquet);
        Assert.Contains("p-001,2026-03-02T03:00:30.0000000Z,watch,sensor=wrist,heart_rate,99.5", lines);
        Assert.Equal(csv, lines);
    }

    [Fact]
    public async Task An_empty_range_or_a_range_without_data_is_a_valid_Parquet_file_with_the_schema_and_no_rows()
    {
        await using var store = await StoreAsync();
        var exporter = Exporter(store, Day1.AddDays(40));

        foreach (var range in new[] { new TimeRange(ThreeDays.Start, ThreeDays.Start), TimeRange.Between(Day1.AddDays(20), Day1.AddDays(22)) })
        {
            var (parquet, result) = await ParquetAsync(exporter, range);
            Assert.Equal(0, result.Rows);
            using var stream = new MemoryStream(parquet);
            await using var reader = await ParquetReader.CreateAsync(stream);
            Assert.Equal(8, reader.Schema.GetDataFields().Length);
            Assert.Equal(0, reader.RowGroups.Sum(g => g.RowCount));
        }

        var (_, again) = await ParquetAsync(exporter, TimeRange.Between(Day1.AddDays(20), Day1.AddDays(22)));
        Assert.Equal(new ExportResult(0, 4, 0), again); // an empty day is cached too
    }

    [Fact]
    public async Task A_participant_export_holds_only_that_participant_and_never_serves_another_ones_cache()
    {
        await using var store = await StoreAsync();
        var exporter = Exporter(store, Day1.AddDays(4));
        await ParquetAsync(exporter, ThreeDays, Participants[0]);

        var (parquet, result) = await ParquetAsync(exporter, ThreeDays, Participants[1]);

        Assert.Equal(new ExportResult(3 * 144 + 3 * 24 * 3, 0, 3), result);
        var lines = await AsCsvLinesAsync(parquet);
        Assert.All(lines, line => Assert.StartsWith("p-002,", line, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.EndsWith(",heart_rate,61.5", StringComparison.Ordinal)); // p-002's values are 1 higher
        Assert.DoesNotContain(lines, line => line.EndsWith(",heart_rate,60.5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writes_to_an_output_that_cannot_seek()
    {
        await using var store = await StoreAsync();
        var exporter = Exporter(store, Day1.AddDays(4));
        using var buffer = new MemoryStream();
        await using var forwardOnly = new ForwardOnlyStream(buffer);

        var result = await exporter.ExportParquetAsync(forwardOnly, Participants, ThreeDays);

        Assert.Equal(result.Rows, (await AsCsvLinesAsync(buffer.ToArray())).Count);
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }
}
