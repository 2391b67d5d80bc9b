using System.Collections.Immutable;

namespace Cohort.Core.Portability;

/// <summary>The outcome of an import: what landed, and what the target store refused.</summary>
/// <param name="Manifest">The archive's manifest.</param>
/// <param name="Tenant">The tenant the points were written to.</param>
/// <param name="PointsRead">The points read from the archive.</param>
/// <param name="ValuesWritten">The field values the store accepted.</param>
/// <param name="Rejections">The values the store refused (a field type it already holds otherwise, ...).</param>
public sealed record ArchiveImportResult(ArchiveManifest Manifest, Tenant Tenant, long PointsRead, long ValuesWritten, ImmutableArray<ArchiveRejection> Rejections)
{
    /// <summary>Whether every value landed.</summary>
    public bool IsComplete => Rejections.IsDefaultOrEmpty;
}

/// <summary>A record of an archive entry the target store refused.</summary>
/// <param name="Entry">The zip entry, e.g. <c>data/power.lp</c>.</param>
/// <param name="Rejection">The store's rejection; <see cref="Rejection.Line"/> is the line in the entry.</param>
public sealed record ArchiveRejection(string Entry, Rejection Rejection)
{
    /// <summary><c>entry:line:column: reason</c> (as much of the position as is known).</summary>
    public override string ToString() => Entry + ":" + Rejection;
}
