using System.IO.Compression;
using System.Text.Json;

namespace Cohort.Core.Portability;

/// <summary>How <see cref="TenantArchive.ExportAsync"/> writes an archive.</summary>
public sealed class ArchiveExportOptions
{
    /// <summary>Points buffered per write to a line protocol entry. Default: 5,000.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>
    /// The compression of each entry. Default: <see cref="CompressionLevel.Fastest"/> (Deflate is the largest cost of an
    /// export; <see cref="CompressionLevel.Optimal"/> gives smaller archives for more CPU time).
    /// </summary>
    public CompressionLevel CompressionLevel { get; init; } = CompressionLevel.Fastest;

    /// <summary>Stamps <see cref="ArchiveManifest.ExportedAt"/>. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The manifest's <c>analytics</c> section (named analytics, as Cohort.Formulas writes them), or null.</summary>
    public JsonElement? Analytics { get; init; }

    /// <summary>The manifest's <c>measures</c> section (measure definitions, as Cohort.Aggregation writes them), or null.</summary>
    public JsonElement? Measures { get; init; }
}

/// <summary>How <see cref="TenantArchive.ImportAsync"/> reads an archive.</summary>
public sealed class ArchiveImportOptions
{
    /// <summary>Points per batch written to the store. Default: 5,000.</summary>
    public int BatchSize { get; init; } = 5_000;

    /// <summary>The tenant to import into; null for the archive's own tenant. Default: null.</summary>
    public Tenant? Tenant { get; init; }

    /// <summary>
    /// Whether every entry is parsed and counted against the manifest before anything is written, so a corrupt
    /// archive writes nothing (costs a second pass over the archive). When false, the checks run while writing and a
    /// problem found half way leaves the points before it written. Default: true.
    /// </summary>
    public bool VerifyBeforeWriting { get; init; } = true;
}
