using System.Text;
using Cohort.Core;
using Cohort.Testing.Servers;

namespace Cohort.Storage.Postgres.Tests;

public sealed class SchemaNameTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData("é")]
    [InlineData("😀")]
    [InlineData("a")]
    public void Long_tenant_ids_get_distinct_schema_names_of_at_most_63_UTF8_bytes(string unit)
    {
        var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = "Host=x" });
        var a = store.GetSchemaName(new Tenant(string.Concat(Enumerable.Repeat(unit, 40)) + "a"));
        var b = store.GetSchemaName(new Tenant(string.Concat(Enumerable.Repeat(unit, 40)) + "b"));
        Assert.NotEqual(a, b);
        Assert.True(Encoding.UTF8.GetByteCount(a) <= 63, a);
        Assert.True(Encoding.UTF8.GetByteCount(b) <= 63, b);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(a)));
    }

    [Fact]
    public async Task Two_long_non_ASCII_tenants_sharing_their_first_63_bytes_stay_isolated()
    {
        await using var store = new PostgresPointStore(new PostgresStoreOptions { ConnectionString = await pg.CreateUniqueDatabaseAsync("names") });
        var a = new Tenant(new string('é', 40) + "a");
        var b = new Tenant(new string('é', 40) + "b");
        Assert.True((await store.WriteAsync(a, PointBatch.FromPoints([new Point("m", TagSet.Empty, "f", 1.0, 1)]))).IsComplete);
        Assert.True((await store.WriteAsync(b, PointBatch.FromPoints([new Point("m", TagSet.Empty, "f", 2.0, 1)]))).IsComplete);
        var fromA = new List<Point>();
        await foreach (var point in store.ReadAsync(a, new PointQuery(TimeRange.All)))
        {
            fromA.Add(point);
        }

        Assert.Equal(1.0, Assert.Single(fromA)["f"]!.Value.AsDouble());
    }
}
