using Cohort.Core;
using Cohort.Core.Portability;
using Cohort.Testing.Servers;

namespace Cohort.Portability.Tests;

/// <summary>
/// Export from each adapter and import into every adapter (same-adapter pairs too), against the real PostgreSQL 15
/// and InfluxDB 1.6 of the test process and SQLite files: every point and field value comes back as written.
/// </summary>
public sealed class RoundTripTests(PostgresFixture pg, InfluxDbFixture influx) : IClassFixture<PostgresFixture>, IClassFixture<InfluxDbFixture>
{
    public static TheoryData<StoreKind, StoreKind> Pairs()
    {
        var data = new TheoryData<StoreKind, StoreKind>();
        foreach (var from in Enum.GetValues<StoreKind>())
        {
            foreach (var to in Enum.GetValues<StoreKind>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Export_then_import_carries_every_point_and_value(StoreKind from, StoreKind to)
    {
        var expected = SampleData.Points();
        await using var source = await OpenStore.OpenAsync(from, pg, influx);
        await using var target = await OpenStore.OpenAsync(to, pg, influx);
        var sourceTenant = SampleData.NewTenant();
        var targetTenant = SampleData.NewTenant();
        var written = await source.Writer.WriteAsync(sourceTenant, PointBatch.FromPoints(expected));
        Assert.True(written.IsComplete, string.Join("; ", written.Rejections));
        Assert.Equal(expected, await source.ReadAllAsync(sourceTenant));

        using var archive = new MemoryStream();
        var exported = await TenantArchive.ExportAsync(source.Reader, sourceTenant, archive, new ArchiveExportOptions { BatchSize = 3 });
        archive.Position = 0;
        var imported = await TenantArchive.ImportAsync(archive, target.Writer, new ArchiveImportOptions { Tenant = targetTenant, BatchSize = 4 });

        Assert.True(imported.IsComplete, string.Join("; ", imported.Rejections));
        Assert.Equal(expected.Count, exported.PointCount);
        Assert.Equal(expected.Count, imported.PointsRead);
        Assert.Equal(expected.Sum(p => p.Fields.Length), imported.ValuesWritten);
        Assert.Equal(targetTenant, imported.Tenant);
        Assert.Equal(sourceTenant, imported.Manifest.Tenant);
        var actual = await target.ReadAllAsync(targetTenant);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.InfluxDb)]
    public async Task A_tenant_larger_than_a_batch_round_trips_through_the_same_adapter(StoreKind kind)
    {
        var expected = SampleData.Many(2_500).ToList();
        await using var store = await OpenStore.OpenAsync(kind, pg, influx);
        var tenant = SampleData.NewTenant();
        Assert.True((await store.Writer.WriteAsync(tenant, PointBatch.FromPoints(expected))).IsComplete);

        using var archive = new MemoryStream();
        await TenantArchive.ExportAsync(store.Reader, tenant, archive, new ArchiveExportOptions { BatchSize = 700 });
        archive.Position = 0;
        var copy = SampleData.NewTenant();
        var imported = await TenantArchive.ImportAsync(archive, store.Writer, new ArchiveImportOptions { Tenant = copy, BatchSize = 1_000 });

        Assert.Equal(5_000, imported.ValuesWritten);
        var actual = await store.ReadAllAsync(copy);
        Assert.Equal(expected.OrderBy(p => p.Tags["sensor"], StringComparer.Ordinal).ThenBy(p => p.Timestamp), actual);
        Assert.Empty(await store.ReadAllAsync(SampleData.NewTenant()));
    }
}
