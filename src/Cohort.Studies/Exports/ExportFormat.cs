using Cohort.Core;

namespace Cohort.Studies.Exports;

/// <summary>
/// One output format of <see cref="ResearchExporter"/>: how a tenant-day is rendered into a self-contained piece (the
/// bytes the cache keeps) and how such a piece, fresh or cached, is appended to the export. The day walk and the
/// caching are the exporter's; a format only renders and appends.
/// </summary>
internal abstract class ExportFormat
{
    /// <summary>The cache's format key (file extension of <see cref="FolderExportCache"/>).</summary>
    public abstract string Key { get; }

    /// <summary>Starts the export (a CSV header, the Parquet magic).</summary>
    public abstract ValueTask BeginAsync(CancellationToken cancellationToken);

    /// <summary>Renders a tenant's points of one day (or part of one) into a piece; an empty day renders as no bytes.</summary>
    public abstract Task<(ReadOnlyMemory<byte> Content, long Rows)> RenderAsync(Tenant tenant, IAsyncEnumerable<Point> points, CancellationToken cancellationToken);

    /// <summary>Appends a piece just rendered.</summary>
    public abstract ValueTask AppendAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Appends a cached piece and returns its rows.</summary>
    public abstract ValueTask<long> AppendCachedAsync(Stream cached, CancellationToken cancellationToken);

    /// <summary>Finishes the export (a Parquet footer); the output stays open.</summary>
    public abstract ValueTask CompleteAsync(CancellationToken cancellationToken);
}
