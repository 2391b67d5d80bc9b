using Cohort.Core;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace Cohort.Studies.Exports;

/// <summary>
/// Parquet: the CSV's rows as columns (see docs/studies.md for the schema), one row group per tenant-day. A Parquet
/// file cannot be concatenated byte-wise, so a piece is a small Parquet file of its own (one row group; the cache keeps
/// it as is), and appending copies the piece's column chunks byte for byte into the export and keeps its row group
/// metadata with the offsets moved; <see cref="CompleteAsync"/> writes one footer over all of them. Nothing is decoded
/// or encoded again, so a cached day costs about what copying its bytes costs.
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
    private static readonly Lazy<Task<FileMetaData>> EmptyFile = new(ReadEmptyFileAsync);
    private readonly Stream _output;
    private readonly List<RowGroup> _rowGroups = [];
    private long _position;
    private long _rows;

    public ParquetExportFormat(Stream output) => _output = output;

    public override string Key => "parquet";

    public override async ValueTask BeginAsync(CancellationToken cancellationToken)
    {
        await _output.WriteAsync(ParquetFooter.Header.ToArray(), cancellationToken).ConfigureAwait(false);
        _position = ParquetFooter.Header.Length;
    }

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
            await AppendPieceAsync(content, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask<long> AppendCachedAsync(Stream cached, CancellationToken cancellationToken)
    {
        using var copy = cached.CanSeek ? new MemoryStream(checked((int)cached.Length)) : new MemoryStream();
        await cached.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.Length == 0 ? 0 : await AppendPieceAsync(copy.GetBuffer().AsMemory(0, (int)copy.Length), cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        var template = await EmptyFile.Value.ConfigureAwait(false);
        var metadata = new FileMetaData
        {
            Version = template.Version,
            Schema = template.Schema,
            CreatedBy = template.CreatedBy,
            ColumnOrders = template.ColumnOrders,
            NumRows = _rows,
            RowGroups = _rowGroups,
        };
        await _output.WriteAsync(ParquetFooter.Serialize(metadata), cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies a piece's column chunks and keeps its row groups with their offsets moved to where the bytes now are.</summary>
    private async ValueTask<long> AppendPieceAsync(ReadOnlyMemory<byte> piece, CancellationToken cancellationToken)
    {
        var dataEnd = ParquetFooter.DataEnd(piece.Span);
        FileMetaData metadata;
        using (var stream = new MemoryStream(piece.ToArray(), writable: false))
        {
            var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!reader.Schema.Equals(Schema))
                {
                    throw new InvalidDataException("A cached Parquet export piece has another schema than this version writes; invalidate the cache.");
                }

                metadata = reader.Metadata ?? throw new InvalidDataException("A cached Parquet export piece has no metadata; invalidate the cache.");
            }
        }

        var shift = _position - ParquetFooter.Header.Length;
        long rows = 0;
        foreach (var group in metadata.RowGroups)
        {
            group.FileOffset += shift;
            group.Ordinal = checked((short)_rowGroups.Count);
            foreach (var column in group.Columns)
            {
                column.FileOffset += shift;
                column.ColumnIndexOffset += shift;
                column.OffsetIndexOffset += shift;
                if (column.MetaData is { } data)
                {
                    data.DataPageOffset += shift;
                    data.DictionaryPageOffset += shift;
                    data.IndexPageOffset += shift;
                    data.BloomFilterOffset += shift;
                }
            }

            _rowGroups.Add(group);
            rows += group.NumRows;
        }

        await _output.WriteAsync(piece[ParquetFooter.Header.Length..dataEnd], cancellationToken).ConfigureAwait(false);
        _position += dataEnd - ParquetFooter.Header.Length;
        _rows += rows;
        return rows;
    }

    /// <summary>The metadata of an export without rows: the schema, version and writer name every export's footer takes.</summary>
    private static async Task<FileMetaData> ReadEmptyFileAsync()
    {
        using var file = new MemoryStream();
        await (await ParquetWriter.CreateAsync(Schema, file).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        file.Position = 0;
        var reader = await ParquetReader.CreateAsync(file).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return reader.Metadata ?? throw new InvalidOperationException("Parquet.Net wrote an empty file without metadata.");
        }
    }

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
