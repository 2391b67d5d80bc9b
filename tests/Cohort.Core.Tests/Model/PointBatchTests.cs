using Cohort.Core;

namespace Cohort.Core.Tests.Model;

public sealed class PointBatchTests
{
    private static readonly TagSet House1 = TagSet.Create(("house", "h1"), ("device", "pv"));

    [Fact]
    public void Adjacent_fields_of_one_point_come_back_as_one_point()
    {
        var point = new Point("power", House1, [new Field("watts", 1520.5), new Field("ok", true), new Field("n", 3L)], 42);
        var batch = PointBatch.FromPoints([point]);

        Assert.Equal(3, batch.ValueCount);
        Assert.Equal(1, batch.PointCount);
        Assert.Equal(1, batch.SeriesCount);
        Assert.Equal([point], batch.ToPoints());
    }

    [Fact]
    public void Series_and_field_keys_are_interned_once()
    {
        var batch = new PointBatch();
        for (var i = 0; i < 100; i++)
        {
            batch.Add(new Point("power", TagSet.Create(("device", "pv"), ("house", "h1")), "watts", i * 1.0, i));
        }

        Assert.Equal(1, batch.SeriesCount);
        Assert.Equal(100, batch.PointCount);
        Assert.All(batch.SeriesIds.ToArray(), id => Assert.Equal(0, id));
        Assert.All(batch.FieldIds.ToArray(), id => Assert.Equal(0, id));
    }

    [Fact]
    public void Two_points_with_the_same_series_and_timestamp_stay_two_points()
    {
        var first = new Point("m", TagSet.Empty, "a", 1.0, 7);
        var second = new Point("m", TagSet.Empty, "a", 2.0, 7);
        var batch = PointBatch.FromPoints([first, second]);

        Assert.Equal(2, batch.PointCount);
        Assert.Equal([first, second], batch.ToPoints());
    }

    [Fact]
    public void Clear_keeps_interned_series_and_drops_rows()
    {
        var batch = PointBatch.FromPoints([new Point("m", House1, "v", "text", 1)]);
        batch.Clear();

        Assert.True(batch.IsEmpty);
        Assert.Equal(0, batch.PointCount);
        Assert.Equal(1, batch.SeriesCount);
        batch.Reset();
        Assert.Equal(0, batch.SeriesCount);
    }

    [Fact]
    public void Where_keeps_selected_rows_with_their_series()
    {
        var batch = PointBatch.FromPoints([
            new Point("m", House1, "a", 1.0, 1),
            new Point("m", TagSet.Create(("house", "h2")), "a", 2.0, 2),
        ]);

        var kept = batch.Where(static (b, row) => b.GetSeries(b.SeriesIds[row]).Tags["house"] == "h2");

        var point = Assert.Single(kept.ToPoints());
        Assert.Equal("h2", point.Tags["house"]);
        Assert.Equal(1, kept.SeriesCount);
    }

    [Fact]
    public void AddRange_reinterns_the_other_batch()
    {
        var a = PointBatch.FromPoints([new Point("m", House1, "a", 1L, 1)]);
        var b = PointBatch.FromPoints([new Point("x", TagSet.Empty, "b", 2UL, 2), new Point("m", House1, "a", 3L, 3)]);
        a.AddRange(b);

        Assert.Equal(2, a.SeriesCount);
        Assert.Equal(3, a.PointCount);
        Assert.Equal([1L, 2L, 3L], a.Timestamps.ToArray());
    }
}
