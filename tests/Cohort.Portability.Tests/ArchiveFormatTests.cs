using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Cohort.Core;
using Cohort.Core.Portability;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Portability.Tests;

/// <summary>The bytes of an archive, as docs/portability.md specifies them.</summary>
public sealed class ArchiveFormatTests
{
    private static readonly Tenant House = new("house-1");

    private static async Task<(MemoryStream Archive, ArchiveManifest Manifest)> ExportAsync(IEnumerable<Point> points, ArchiveExportOptions? options = null)
    {
        var store = new MemoryStore();
        await store.WriteAsync(House, PointBatch.FromPoints(points));
        var archive = new MemoryStream();
        var manifest = await TenantArchive.ExportAsync(store, House, archive, options);
        archive.Position = 0;
        return (archive, manifest);
    }

    private static string Entry(MemoryStream archive, string name)
    {
        archive.Position = 0;
        using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Writes_one_line_protocol_entry_per_measurement_then_the_manifest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero));
        var (archive, _) = await ExportAsync(
            [
                new Point("power", TagSet.Create(("house", "h1")), [new Field("watts", 1.5), new Field("count", 3L)], 1_700_000_000_000_000_000),
                new Point("power", TagSet.Create(("house", "h1")), "watts", 2.0, 1_700_000_000_000_000_001),
                new Point("notes", TagSet.Empty, "text", "two\nlines \"quoted\" back\\slash", -5),
                new Point("flags", TagSet.Empty, [new Field("on", true), new Field("n", 7UL)], 0),
            ],
            new ArchiveExportOptions { TimeProvider = time });

        using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        Assert.Equal(["data/flags.lp", "data/notes.lp", "data/power.lp", "manifest.json"], zip.Entries.Select(e => e.FullName));
        Assert.Equal("flags n=7u,on=true 0\n", Entry(archive, "data/flags.lp"));
        Assert.Equal("notes text=\"two\\nlines \\\"quoted\\\" back\\\\slash\" -5\n", Entry(archive, "data/notes.lp"));
        Assert.Equal("power,house=h1 count=3i,watts=1.5 1700000000000000000\npower,house=h1 watts=2 1700000000000000001\n", Entry(archive, "data/power.lp"));

        using var manifest = JsonDocument.Parse(Entry(archive, "manifest.json"));
        var root = manifest.RootElement;
        Assert.Equal("cohort-tenant-archive", root.GetProperty("format").GetString());
        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal("house-1", root.GetProperty("tenant").GetString());
        Assert.Equal("2026-11-23T23:30:00.0000000Z", root.GetProperty("exportedAt").GetString());
        Assert.Equal("ns", root.GetProperty("precision").GetString());
        Assert.Equal(4, root.GetProperty("points").GetInt64());
        Assert.Equal(6, root.GetProperty("values").GetInt64());
        var power = root.GetProperty("measurements")[2];
        Assert.Equal("power", power.GetProperty("name").GetString());
        Assert.Equal("data/power.lp", power.GetProperty("entry").GetString());
        Assert.Equal(2, power.GetProperty("points").GetInt64());
        Assert.Equal(3, power.GetProperty("values").GetInt64());
        var series = root.GetProperty("series")[2];
        Assert.Equal("power", series.GetProperty("measurement").GetString());
        Assert.Equal("h1", series.GetProperty("tags").GetProperty("house").GetString());
        Assert.Equal(1_700_000_000_000_000_000, series.GetProperty("first").GetInt64());
        Assert.Equal(1_700_000_000_000_000_001, series.GetProperty("last").GetInt64());
        Assert.Equal(2, series.GetProperty("points").GetInt64());
        Assert.Equal(
            ["count:integer:1", "watts:float:2"],
            series.GetProperty("fields").EnumerateArray().Select(f => $"{f.GetProperty("key").GetString()}:{f.GetProperty("type").GetString()}:{f.GetProperty("values").GetInt64()}"));
        Assert.Equal(["boolean", "unsigned"], root.GetProperty("series")[0].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("type").GetString()).Order());
        Assert.False(root.TryGetProperty("analytics", out _));
    }

    [Fact]
    public async Task Escapes_measurement_names_into_safe_entry_names_without_case_clashes()
    {
        var (archive, manifest) = await ExportAsync(
        [
            new Point("Power", TagSet.Empty, "v", 1L, 1),
            new Point("power", TagSet.Empty, "v", 1L, 1),
            new Point("a/b c.d", TagSet.Empty, "v", 1L, 1),
            new Point("日本", TagSet.Empty, "v", 1L, 1),
            new Point("..", TagSet.Empty, "v", 1L, 1),
        ]);

        Assert.Equal(
            ["data/%2E%2E.lp", "data/Power.lp", "data/a%2Fb%20c%2Ed.lp", "data/power~2.lp", "data/%E6%97%A5%E6%9C%AC.lp"],
            manifest.Measurements.Select(m => m.Entry));
        var imported = new MemoryStore();
        var result = await TenantArchive.ImportAsync(archive, imported);
        Assert.Equal(5, result.PointsRead);
        Assert.Equal(["..", "Power", "a/b c.d", "power", "日本"], imported.ReadAll(House).Select(p => p.Measurement));
    }

    [Fact]
    public async Task Carries_the_analytics_and_measures_sections_unchanged()
    {
        using var analytics = JsonDocument.Parse("""{"net":{"formula":"pv.watts - grid.watts","unit":"W"}}""");
        using var measures = JsonDocument.Parse("""[{"measureName":"steps","threshold":5}]""");
        var (archive, _) = await ExportAsync([new Point("m", TagSet.Empty, "v", 1L, 1)], new ArchiveExportOptions { Analytics = analytics.RootElement, Measures = measures.RootElement });

        var manifest = await TenantArchive.ReadManifestAsync(archive);

        Assert.Equal("pv.watts - grid.watts", manifest.Analytics!.Value.GetProperty("net").GetProperty("formula").GetString());
        Assert.Equal(5, manifest.Measures!.Value[0].GetProperty("threshold").GetInt32());
    }

    [Fact]
    public async Task An_empty_tenant_exports_to_an_archive_that_imports_nothing()
    {
        var (archive, manifest) = await ExportAsync([]);

        Assert.Empty(manifest.Measurements);
        var target = new MemoryStore();
        var result = await TenantArchive.ImportAsync(archive, target);
        Assert.Equal(0, result.PointsRead);
        Assert.Equal(0, target.Writes);
    }

    [Fact]
    public async Task Imports_from_a_stream_that_cannot_seek()
    {
        var (archive, _) = await ExportAsync(SampleData.Many(50));
        var target = new MemoryStore();

        var result = await TenantArchive.ImportAsync(new ForwardOnlyStream(archive), target, new ArchiveImportOptions { BatchSize = 7 });

        Assert.Equal(100, result.ValuesWritten);
        Assert.Equal(8, target.Writes);
        Assert.Equal(50, target.ReadAll(House).Count);
    }

    [Fact]
    public async Task Refuses_to_export_a_value_line_protocol_cannot_carry()
    {
        var reader = new FixedReader([new Point("m", TagSet.Empty, "v", double.NaN, 1)]);

        var error = await Assert.ThrowsAsync<CohortException>(() => TenantArchive.ExportAsync(reader, House, new MemoryStream()));

        Assert.Contains("measurement 'm'", error.Message);
        Assert.Contains("field 'v'", error.Message);
        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public async Task Refuses_a_reader_that_returns_a_measurement_twice()
    {
        var reader = new FixedReader(
        [
            new Point("a", TagSet.Empty, "v", 1L, 1), new Point("b", TagSet.Empty, "v", 1L, 1), new Point("a", TagSet.Create(("k", "v")), "v", 1L, 1),
        ]);

        var error = await Assert.ThrowsAsync<CohortException>(() => TenantArchive.ExportAsync(reader, House, new MemoryStream()));

        Assert.Contains("measurement 'a' again after 'b'", error.Message);
    }

    /// <summary>A reader returning points as given, ignoring the query (to test what a misbehaving reader causes).</summary>
    private sealed class FixedReader(Point[] points) : IPointReader
    {
        public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            foreach (var point in points)
            {
                yield return point;
            }
        }
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
