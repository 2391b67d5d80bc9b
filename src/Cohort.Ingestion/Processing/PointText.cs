using System.Text;
using Cohort.Core;

namespace Cohort.Ingestion.Processing;

/// <summary>Renders a batch's point as line-protocol-like text for rejections and dead letters.</summary>
internal static class PointText
{
    public const int MaxLength = 1024;

    /// <summary>The point in rows [<paramref name="start"/>, <paramref name="end"/>), as <c>measurement,tags fields timestamp</c>.</summary>
    public static string Format(PointBatch batch, int start, int end)
    {
        var text = new StringBuilder();
        text.Append(batch.GetSeries(batch.SeriesIds[start]).ToString()).Append(' ');
        for (var row = start; row < end; row++)
        {
            if (row > start)
            {
                text.Append(',');
            }

            text.Append(batch.GetFieldKey(batch.FieldIds[row])).Append('=').Append(batch.GetValue(row).ToString());
        }

        text.Append(' ').Append(batch.Timestamps[start]);
        return Truncate(text.ToString());
    }

    public static string Truncate(string text) => text.Length <= MaxLength ? text : text[..MaxLength];

    /// <summary>The [start, end) row ranges of the points of a batch.</summary>
    public static List<(int Start, int End)> PointRanges(PointBatch batch)
    {
        var ranges = new List<(int, int)>(batch.PointCount);
        var series = batch.SeriesIds;
        var times = batch.Timestamps;
        var start = 0;
        for (var row = 1; row <= batch.ValueCount; row++)
        {
            if (row == batch.ValueCount || series[row] != series[row - 1] || times[row] != times[row - 1])
            {
                ranges.Add((start, row));
                start = row;
            }
        }

        return ranges;
    }
}
