using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Cohort.Core.LineProtocol;

/// <summary>What one call of a <see cref="LineProtocolReader"/> read.</summary>
/// <param name="Points">The number of points (good lines) added to the batch.</param>
/// <param name="Lines">The number of lines seen, including blank lines, comments and bad lines.</param>
/// <param name="Rejections">
/// The bad lines skipped in lenient mode, each with its line, column, reason and (truncated) text; always empty in
/// strict mode, which throws instead.
/// </param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct LineProtocolReadResult(int Points, long Lines, ImmutableArray<Rejection> Rejections)
{
    /// <summary>Whether every line was read without a rejection.</summary>
    public bool IsComplete => Rejections.IsDefaultOrEmpty;
}
