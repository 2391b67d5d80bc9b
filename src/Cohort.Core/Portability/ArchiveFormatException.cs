namespace Cohort.Core.Portability;

/// <summary>
/// An archive that is not a valid Cohort tenant archive: bad or missing <c>manifest.json</c>, a bad line protocol
/// line, or counts that disagree with the manifest. The message starts with where: <c>data/power.lp:3:17: ...</c> or
/// <c>manifest.json: $.series[2].points: ...</c>.
/// </summary>
public sealed class ArchiveFormatException : CohortException
{
    /// <summary>Creates the exception with a message.</summary>
    public ArchiveFormatException()
        : this("the archive is not a valid Cohort tenant archive")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ArchiveFormatException(string message)
        : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ArchiveFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Creates the exception for a position in an entry.</summary>
    /// <param name="entry">The zip entry at fault.</param>
    /// <param name="line">The 1-based line, or 0 when not known.</param>
    /// <param name="column">The 1-based column, or 0 when not known.</param>
    /// <param name="path">The JSON path at fault in the manifest, or null.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The cause, or null.</param>
    public ArchiveFormatException(string entry, long line, int column, string? path, string reason, Exception? innerException = null)
        : base(Format(entry, line, column, path, reason), innerException)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(reason);
        Entry = entry;
        Line = line;
        Column = column;
        Path = path;
        Reason = reason;
    }

    /// <summary>The zip entry at fault, or null for the archive as a whole.</summary>
    public string? Entry { get; }

    /// <summary>The 1-based line in <see cref="Entry"/>; 0 when not known.</summary>
    public long Line { get; }

    /// <summary>The 1-based column in <see cref="Line"/>; 0 when not known.</summary>
    public int Column { get; }

    /// <summary>The JSON path at fault in the manifest (<c>$.series[2].points</c>), or null.</summary>
    public string? Path { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }

    private static string Format(string entry, long line, int column, string? path, string reason)
    {
        var where = entry;
        if (line > 0)
        {
            where += FormattableString.Invariant($":{line}");
            if (column > 0)
            {
                where += FormattableString.Invariant($":{column}");
            }
        }

        return path is null ? $"{where}: {reason}" : $"{where}: {path}: {reason}";
    }
}
