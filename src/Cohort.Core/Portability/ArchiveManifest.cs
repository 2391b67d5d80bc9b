using System.Collections.Immutable;
using System.Text.Json;

namespace Cohort.Core.Portability;

/// <summary>
/// The <c>manifest.json</c> of a tenant archive: who and when, each measurement's line protocol entry, and every
/// series with its fields, time range and counts (docs/portability.md gives the JSON schema).
/// </summary>
public sealed record ArchiveManifest
{
    /// <summary>The archive format version; <see cref="TenantArchive.FormatVersion"/> for archives written now.</summary>
    public int FormatVersion { get; init; } = TenantArchive.FormatVersion;

    /// <summary>The tenant whose data the archive holds.</summary>
    public required Tenant Tenant { get; init; }

    /// <summary>When the export started.</summary>
    public required DateTimeOffset ExportedAt { get; init; }

    /// <summary>Each measurement and the entry holding its points, in measurement order.</summary>
    public ImmutableArray<ArchiveMeasurement> Measurements { get; init; } = [];

    /// <summary>Every series, in store order (<see cref="SeriesKey.StoreOrder"/>).</summary>
    public ImmutableArray<ArchiveSeries> Series { get; init; } = [];

    /// <summary>An opaque JSON section for named analytics (filled by Cohort.Formulas hosts), or null.</summary>
    public JsonElement? Analytics { get; init; }

    /// <summary>An opaque JSON section for measure definitions (filled by Cohort.Aggregation hosts), or null.</summary>
    public JsonElement? Measures { get; init; }

    /// <summary>The number of points in the archive (one per line protocol line).</summary>
    public long PointCount => Measurements.IsDefault ? 0 : Measurements.Sum(m => m.PointCount);

    /// <summary>The number of field values in the archive.</summary>
    public long ValueCount => Measurements.IsDefault ? 0 : Measurements.Sum(m => m.ValueCount);
}

/// <summary>One measurement of an archive and the zip entry that holds its points.</summary>
/// <param name="Name">The measurement name.</param>
/// <param name="Entry">The zip entry, <c>data/&lt;escaped name&gt;.lp</c>.</param>
/// <param name="PointCount">The number of points (lines) in the entry.</param>
/// <param name="ValueCount">The number of field values in the entry.</param>
public sealed record ArchiveMeasurement(string Name, string Entry, long PointCount, long ValueCount);

/// <summary>One series of an archive.</summary>
/// <param name="Series">The measurement and tags.</param>
/// <param name="Fields">Its fields with their type and value counts, ordered by key then type.</param>
/// <param name="PointCount">The number of points.</param>
/// <param name="FirstTimestamp">The earliest timestamp (Unix ns, inclusive).</param>
/// <param name="LastTimestamp">The latest timestamp (Unix ns, inclusive).</param>
public sealed record ArchiveSeries(SeriesKey Series, ImmutableArray<ArchiveField> Fields, long PointCount, long FirstTimestamp, long LastTimestamp);

/// <summary>A field of a series in an archive.</summary>
/// <param name="Key">The field key.</param>
/// <param name="Kind">The type of its values.</param>
/// <param name="ValueCount">How many values of this key and type the series holds.</param>
public sealed record ArchiveField(string Key, FieldKind Kind, long ValueCount);
