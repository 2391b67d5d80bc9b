using System.IO.Compression;
using System.Text;
using Cohort.Core;
using Cohort.Core.LineProtocol;
using Cohort.Core.Portability;

namespace Cohort.Portability.Tests;

/// <summary>Archives that are not valid fail with the entry, line and column or JSON path, and write nothing.</summary>
public sealed class CorruptArchiveTests
{
    private static readonly Tenant House = new("house-1");

    private static readonly Point[] Points =
    [
        new("power", TagSet.Create(("house", "h1")), "watts", 1.5, 10),
        new("power", TagSet.Create(("house", "h1")), "watts", 2.5, 20),
        new("power", TagSet.Create(("house", "h2")), "watts", 3.5, 10),
        new("temp", TagSet.Empty, "c", 21L, 10),
    ];

    private static async Task<byte[]> ValidArchiveAsync()
    {
        var store = new MemoryStore();
        await store.WriteAsync(House, PointBatch.FromPoints(Points));
        using var archive = new MemoryStream();
        await TenantArchive.ExportAsync(store, House, archive);
        return archive.ToArray();
    }

    /// <summary>The archive with one entry's text changed (or the entry removed when the edit returns null).</summary>
    private static async Task<MemoryStream> EditAsync(string entry, Func<string, string?> edit, Action<ZipArchive>? more = null)
    {
        var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(await ValidArchiveAsync()), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var item in source.Entries)
            {
                string text;
                using (var reader = new StreamReader(item.Open(), Encoding.UTF8))
                {
                    text = reader.ReadToEnd();
                }

                var edited = item.FullName == entry ? edit(text) : text;
                if (edited is not null)
                {
                    using var writer = new StreamWriter(target.CreateEntry(item.FullName).Open(), new UTF8Encoding(false));
                    writer.Write(edited);
                }
            }

            more?.Invoke(target);
        }

        output.Position = 0;
        return output;
    }

    private static async Task<(ArchiveFormatException Error, MemoryStore Target)> ImportFailsAsync(Stream archive, ArchiveImportOptions? options = null)
    {
        var target = new MemoryStore();
        var error = await Assert.ThrowsAsync<ArchiveFormatException>(() => TenantArchive.ImportAsync(archive, target, options));
        return (error, target);
    }

    [Fact]
    public async Task The_valid_archive_the_others_are_edited_from_imports()
    {
        var target = new MemoryStore();
        var result = await TenantArchive.ImportAsync(await EditAsync("manifest.json", t => t), target);
        Assert.Equal(4, result.PointsRead);
        Assert.Equal(4, target.ReadAll(House).Count);
    }

    [Fact]
    public async Task A_bad_line_protocol_line_names_the_entry_line_and_column_and_nothing_is_written()
    {
        var archive = await EditAsync("data/power.lp", t => t.Replace("watts=2.5", "watts=oops", StringComparison.Ordinal));

        var (error, target) = await ImportFailsAsync(archive);

        Assert.Equal("data/power.lp", error.Entry);
        Assert.Equal(2, error.Line);
        Assert.Equal(22, error.Column);
        Assert.StartsWith("data/power.lp:2:22: invalid value \"oops\"", error.Message);
        Assert.Equal(0, target.Writes);
    }

    [Fact]
    public async Task A_bad_line_in_a_later_batch_counts_lines_from_the_start_of_the_entry()
    {
        var archive = await EditAsync("data/power.lp", t => t.Replace("watts=3.5", "watts=3.5 notatime", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive, new ArchiveImportOptions { BatchSize = 1 });

        var direct = Assert.Throws<LineProtocolException>(() => new LineProtocolReader().Read("power,house=h2 watts=3.5 notatime 10\n", new PointBatch()));
        Assert.Equal((3L, direct.Column, direct.Reason), (error.Line, error.Column, error.Reason));
    }

    [Fact]
    public async Task Without_verification_the_batches_before_a_bad_line_are_written()
    {
        var archive = await EditAsync("data/power.lp", t => t.Replace("watts=3.5", "watts=", StringComparison.Ordinal));

        var (error, target) = await ImportFailsAsync(archive, new ArchiveImportOptions { BatchSize = 1, VerifyBeforeWriting = false });

        Assert.Equal(3, error.Line);
        Assert.Equal(2, target.ReadAll(House).Count);
    }

    [Fact]
    public async Task A_point_count_that_disagrees_with_the_manifest_is_an_error()
    {
        var archive = await EditAsync("data/power.lp", t => string.Join('\n', t.Split('\n').Skip(1)));

        var (error, target) = await ImportFailsAsync(archive);

        Assert.Equal("manifest.json", error.Entry);
        Assert.Equal("$.measurements[0]", error.Path);
        Assert.Contains("listed with 3 points and 3 values; data/power.lp holds 2 points and 2 values", error.Message);
        Assert.Equal(0, target.Writes);
    }

    [Fact]
    public async Task A_series_count_that_disagrees_with_the_manifest_names_its_json_path()
    {
        var archive = await EditAsync("data/power.lp", t => t.Replace("house=h2", "house=h1", StringComparison.Ordinal).Replace("3.5 10", "3.5 30", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal("$.series[0].points", error.Path);
        Assert.Contains("listed with 2 points; the data holds 3", error.Reason);
    }

    [Fact]
    public async Task A_field_type_that_disagrees_with_the_manifest_is_an_error()
    {
        var archive = await EditAsync("data/temp.lp", t => t.Replace("c=21i", "c=21", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal("$.series[2].fields[0]", error.Path);
        Assert.Contains("field 'c' (integer)", error.Reason);
    }

    [Fact]
    public async Task A_point_of_another_measurement_in_an_entry_is_an_error()
    {
        var archive = await EditAsync("data/temp.lp", t => t.Replace("temp", "power", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal(("data/temp.lp", 1L), (error.Entry, error.Line));
        Assert.Contains("measurement \"power\"; this entry holds \"temp\"", error.Reason);
    }

    [Fact]
    public async Task A_blank_line_in_an_entry_is_an_error()
    {
        var archive = await EditAsync("data/power.lp", t => t.Replace("\n", "\n\n", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal(("data/power.lp", 2L), (error.Entry, error.Line));
    }

    [Fact]
    public async Task Json_that_does_not_parse_gives_the_manifest_line_and_column()
    {
        var archive = await EditAsync("manifest.json", t => t.Replace("\"tenant\":", "\"tenant\"", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal("manifest.json", error.Entry);
        Assert.Equal(4, error.Line);
        Assert.True(error.Column > 1);
        Assert.Contains("not valid JSON", error.Reason);
    }

    [Theory]
    [InlineData("\"formatVersion\": 1", "\"formatVersion\": 2", "$.formatVersion", "version 2 is not supported")]
    [InlineData("\"format\": \"cohort-tenant-archive\"", "\"format\": \"zip\"", "$.format", "expected \"cohort-tenant-archive\"")]
    [InlineData("\"tenant\": \"house-1\"", "\"tenant\": \"house 1\"", "$.tenant", "not a valid tenant id")]
    [InlineData("\"type\": \"integer\"", "\"type\": \"int\"", "$.series[2].fields[0].type", "\"int\" is not a field type")]
    [InlineData("\"data/temp.lp\",\n      \"points\": 1", "\"data/temp.lp\",\n      \"points\": -1", "$.measurements[1].points", "must not be negative")]
    [InlineData("\"precision\": \"ns\"", "\"precision\": \"ms\"", "$.precision", "expected \"ns\"")]
    [InlineData("\"entry\": \"data/temp.lp\"", "\"entry\": \"data/other.lp\"", "$.measurements[1].entry", "no entry \"data/other.lp\"")]
    [InlineData("\"first\": 10,\n      \"last\": 20", "\"first\": 30,\n      \"last\": 20", "$.series[0].last", "is before first")]
    public async Task A_manifest_that_breaks_the_schema_names_the_json_path(string find, string replace, string path, string reason)
    {
        var archive = await EditAsync("manifest.json", t =>
        {
            Assert.Contains(find, t);
            var at = t.IndexOf(find, StringComparison.Ordinal);
            return t[..at] + replace + t[(at + find.Length)..];
        });

        var (error, target) = await ImportFailsAsync(archive);

        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason);
        Assert.StartsWith("manifest.json: " + path + ": ", error.Message);
        Assert.Equal(0, target.Writes);
    }

    [Fact]
    public async Task A_missing_property_is_named()
    {
        var archive = await EditAsync("manifest.json", t => t.Replace("\"exportedAt\"", "\"exported\"", StringComparison.Ordinal));

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal("$.exportedAt", error.Path);
        Assert.Equal("missing", error.Reason);
    }

    [Fact]
    public async Task An_archive_without_a_manifest_is_an_error()
    {
        var (error, _) = await ImportFailsAsync(await EditAsync("manifest.json", _ => null));

        Assert.Contains("no manifest.json", error.Message);
    }

    [Fact]
    public async Task A_data_entry_the_manifest_does_not_list_is_an_error()
    {
        var archive = await EditAsync("manifest.json", t => t, zip =>
        {
            using var writer = new StreamWriter(zip.CreateEntry("data/extra.lp").Open());
            writer.Write("extra v=1i 1\n");
        });

        var (error, _) = await ImportFailsAsync(archive);

        Assert.Equal("data/extra.lp", error.Entry);
        Assert.Contains("not listed", error.Reason);
    }

    [Fact]
    public async Task Bytes_that_are_not_a_zip_are_an_error()
    {
        var (error, _) = await ImportFailsAsync(new MemoryStream(Encoding.UTF8.GetBytes("power watts=1 1\n")));

        Assert.Contains("not a zip archive", error.Message);
    }

    [Fact]
    public async Task Values_the_target_refuses_come_back_with_their_entry_and_line_and_the_rest_lands()
    {
        var target = new MemoryStore();
        await target.WriteAsync(House, PointBatch.FromPoints([new Point("temp", TagSet.Empty, "c", "text", 1)]));

        var result = await TenantArchive.ImportAsync(new MemoryStream(await ValidArchiveAsync()), target);

        var rejection = Assert.Single(result.Rejections);
        Assert.Equal("data/temp.lp", rejection.Entry);
        Assert.Equal(1, rejection.Rejection.Line);
        Assert.StartsWith("data/temp.lp:1: ", rejection.ToString());
        Assert.Equal(3, result.ValuesWritten);
        Assert.False(result.IsComplete);
    }
}
