using System.Globalization;
using System.Text;
using Cohort.Core;

namespace Cohort.Studies.Exports;

/// <summary>
/// CSV: <c>tenant,time,measurement,tags,field,value</c>, one row per field value. A piece is the exact bytes of its
/// rows, so a cached day is copied byte for byte.
/// </summary>
internal sealed class CsvExportFormat(Stream output) : ExportFormat
{
    public const string Header = "tenant,time,measurement,tags,field,value\n";

    public override string Key => "csv";

    public override ValueTask BeginAsync(CancellationToken cancellationToken) => output.WriteAsync(Encoding.UTF8.GetBytes(Header), cancellationToken);

    public override async Task<(ReadOnlyMemory<byte> Content, long Rows)> RenderAsync(Tenant tenant, IAsyncEnumerable<Point> points, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        long rows = 0;
        await foreach (var point in points.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var time = Time(point.Timestamp);
            var tags = Quote(point.Tags.ToCanonicalString());
            foreach (var field in point.Fields)
            {
                text.Append(tenant.Id).Append(',').Append(time).Append(',').Append(Quote(point.Measurement)).Append(',').Append(tags).Append(',')
                    .Append(Quote(field.Key)).Append(',').Append(Quote(Text(field.Value))).Append('\n');
                rows++;
            }
        }

        return (Encoding.UTF8.GetBytes(text.ToString()), rows);
    }

    public override ValueTask AppendAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => output.WriteAsync(content, cancellationToken);

    public override async ValueTask<long> AppendCachedAsync(Stream cached, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long lines = 0;
        int read;
        while ((read = await cached.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return lines;
    }

    public override ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>ISO-8601 UTC with 100 ns precision.</summary>
    internal static string Time(long timestamp) =>
        Timestamps.ToDateTimeOffset(timestamp).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A field value as the CSV writes it (before quoting): numbers without a type suffix, strings bare, booleans <c>true</c>/<c>false</c>.</summary>
    internal static string Text(FieldValue value)
    {
        var text = value.ToString();
        return value.Kind switch
        {
            FieldKind.Int64 or FieldKind.UInt64 => text[..^1],
            FieldKind.String => text[1..^1],
            _ => text,
        };
    }

    internal static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
