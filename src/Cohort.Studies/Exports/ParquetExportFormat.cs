using Cohort.Core;
using Parquet;
using Parquet.Schema;

namespace Cohort.Studies.Exports;

/// <summary>
/// Parquet: the CSV's rows as columns (see docs/studies.md for the schema), one row group per tenant-day. A Parquet
/// file cannot be concatenated byte-wise, so a piece is a small Parquet file of its own (one row group, the cache
/// keeps it as is) and appending copies its columns into a new row group of the export: decoded and encoded again,
/// but without touching the store or building points.
/// </summary>
internal sealed class ParquetExportFormat : ExportFormat
{
    private static readonly DataField<string> TenantField = new("tenant", false);
    private static readonly DateTimeDataField TimeField = new("time", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Nanos, isNullable: false);
    private static readonly DataField<long> TimeNsField = new("time_ns");
    private static readonly DataField<string> MeasurementField = new("measurement", false);
    private static readonly DataField<string> TagsField = new("tags", false);
    private static readonly DataField<string> FieldField = new("field", false);
    private static readonly DataField<double?> ValueField = new("value");
    private static readonly DataField<string> ValueTextField = new("value_text", true);
    private static readonly ParquetSchema Schema = new(TenantField, TimeField, TimeNsField, MeasurementField, TagsField, FieldField, ValueField, ValueTextField);
    private readonly Stream _output;
    private ParquetWriter? _writer;

    public ParquetExportFormat(Stream output) => _output = output;

    public override string Key => "parquet";

    public async ValueTask BeginAsync(CancellationToken cancellationToken) =>
        _writer = await ParquetWriter.CreateAsync(Schema, _output, new ParquetOptions(), append: false, cancellationToken).ConfigureAwait(false);

    public override async Task<(ReadOnlyMemory<byte> Content, long Rows)> RenderAsync(Tenant tenant, IAsyncEnumerable<Point> points, CancellationToken cancellationToken)
    {
        var builder = new ColumnsBuilder();
        await foreach (var point in points.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var time = Timestamps.ToDateTimeOffset(point.Timestamp).UtcDateTime;
            var tags = point.Tags.ToCanonicalString();
            foreach (var field in point.Fields)
            {
                builder.Add(tenant.Id, time, point.Timestamp, point.Measurement, tags, field.Key, field.Value);
            }
        }

        if (builder.Count == 0)
        {
            return (ReadOnlyMemory<byte>.Empty, 0);
        }

        var columns = builder.ToColumns();
        using var piece = new MemoryStream();
        var writer = await ParquetWriter.CreateAsync(Schema, piece, new ParquetOptions(), append: false, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await WriteRowGroupAsync(writer, columns, cancellationToken).ConfigureAwait(false);
        }

        return (piece.ToArray(), columns.Count);
    }

    public override async ValueTask AppendAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (content.Length > 0)
        {
            using var piece = new MemoryStream(content.ToArray(), writable: false);
            await AppendCachedAsync(piece, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask<long> AppendCachedAsync(Stream cached, CancellationToken cancellationToken)
    {
        if (!cached.CanSeek)
        {
            var copy = new MemoryStream();
            await cached.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            copy.Position = 0;
            cached = copy;
        }

        if (cached.Length == 0)
        {
            return 0; // an empty day
        }

        var reader = await ParquetReader.CreateAsync(cached, new ParquetOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        long rows = 0;
        await using (reader.ConfigureAwait(false))
        {
            foreach (var group in reader.RowGroups)
            {
                var columns = await ReadRowGroupAsync(reader.Schema, group, cancellationToken).ConfigureAwait(false);
                await WriteRowGroupAsync(Writer, columns, cancellationToken).ConfigureAwait(false);
                rows += columns.Count;
            }
        }

        return rows;
    }

    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await Writer.DisposeAsync().ConfigureAwait(false); // writes the footer; the output stays open
        _writer = null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_writer is { } writer)
        {
            _writer = null;
            await writer.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private ParquetWriter Writer => _writer ?? throw new InvalidOperationException("The Parquet export has not begun or is already complete.");

    private static async Task WriteRowGroupAsync(ParquetWriter writer, Columns columns, CancellationToken cancellationToken)
    {
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(TenantField, columns.Tenant).ConfigureAwait(false);
        await group.WriteAsync<DateTime>(TimeField, columns.Time, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync<long>(TimeNsField, columns.TimeNs, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(MeasurementField, columns.Measurement).ConfigureAwait(false);
        await group.WriteAsync(TagsField, columns.Tags).ConfigureAwait(false);
        await group.WriteAsync(FieldField, columns.Field).ConfigureAwait(false);
        await group.WriteAsync<double>(ValueField, (ReadOnlyMemory<double?>)columns.Value, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(ValueTextField, columns.ValueText).ConfigureAwait(false);
    }

    private static async Task<Columns> ReadRowGroupAsync(ParquetSchema schema, ParquetRowGroupReader group, CancellationToken cancellationToken)
    {
        if (!schema.Equals(Schema))
        {
            throw new InvalidDataException("A cached Parquet export piece has another schema than this version writes; invalidate the cache.");
        }

        var count = checked((int)group.RowCount);
        var tenant = new string[count];
        var time = new DateTime[count];
        var timeNs = new long[count];
        var measurement = new string[count];
        var tags = new string[count];
        var field = new string[count];
        var value = new double?[count];
        var valueText = new string[count];
        await group.ReadAsync(TenantField, tenant, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync<DateTime>(TimeField, time, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync<long>(TimeNsField, timeNs, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync(MeasurementField, measurement, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync(TagsField, tags, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync(FieldField, field, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync<double>(ValueField, value, cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.ReadAsync(ValueTextField, valueText, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new Columns(tenant, time, timeNs, measurement, tags, field, value, valueText);
    }

    /// <summary>The columns of one row group.</summary>
    private sealed record Columns(string[] Tenant, DateTime[] Time, long[] TimeNs, string[] Measurement, string[] Tags, string[] Field, double?[] Value, string?[] ValueText)
    {
        public int Count => Tenant.Length;
    }

    /// <summary>Columns being filled from points.</summary>
    private sealed class ColumnsBuilder
    {
        private readonly List<string> _tenant = [];
        private readonly List<DateTime> _time = [];
        private readonly List<long> _timeNs = [];
        private readonly List<string> _measurement = [];
        private readonly List<string> _tags = [];
        private readonly List<string> _field = [];
        private readonly List<double?> _value = [];
        private readonly List<string?> _valueText = [];

        public int Count => _tenant.Count;

        public void Add(string tenant, DateTime time, long timeNs, string measurement, string tags, string field, FieldValue value)
        {
            _tenant.Add(tenant);
            _time.Add(time);
            _timeNs.Add(timeNs);
            _measurement.Add(measurement);
            _tags.Add(tags);
            _field.Add(field);
            _value.Add(value.TryGetNumber(out var number) ? number : null);
            _valueText.Add(value.Kind == FieldKind.Double ? null : CsvExportFormat.Text(value));
        }

        public Columns ToColumns() =>
            new([.. _tenant], [.. _time], [.. _timeNs], [.. _measurement], [.. _tags], [.. _field], [.. _value], [.. _valueText]);
    }
}
