using Cohort.Core;

namespace Cohort.Cli.Tests;

/// <summary>Reading back what a verb wrote to a store.</summary>
internal static class StoreReads
{
    /// <summary>Every point of a tenant, in store order.</summary>
    public static async Task<List<Point>> ReadAllAsync(IPointReader reader, string tenant)
    {
        var points = new List<Point>();
        await foreach (var point in reader.ReadAsync(new Tenant(tenant), new PointQuery(TimeRange.All)))
        {
            points.Add(point);
        }

        return points;
    }
}
