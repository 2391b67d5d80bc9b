using Cohort.Core;
using Microsoft.Data.Sqlite;

namespace Cohort.Storage.Sqlite.Internal;

/// <summary>Maps SQLite failures to the Cohort exceptions callers act on.</summary>
internal static class SqliteErrors
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Protocol = 15;

    /// <summary>Whether the failure is the environment's (locked, full, unreadable, gone), so a retry may succeed.</summary>
    public static bool IsUnavailable(SqliteException exception) =>
        (exception.SqliteErrorCode & 0xFF) is Busy or Locked or ReadOnly or IoError or Full or CantOpen or Protocol;

    public static CohortException Translate(SqliteException exception, string path) =>
        IsUnavailable(exception)
            ? new StoreUnavailableException(
                $"The SQLite store '{path}' is unavailable ({Describe(exception)}); the operation was not applied and may be retried.",
                exception)
            : new CohortException($"The SQLite store '{path}' failed: {exception.Message}", exception);

    public static StoreUnavailableException Translate(Exception exception, string path) =>
        new($"The SQLite store '{path}' could not be opened ({exception.Message}); the operation was not applied and may be retried.", exception);

    private static string Describe(SqliteException exception) => (exception.SqliteErrorCode & 0xFF) switch
    {
        Busy or Locked => "the database is locked by another connection beyond the busy timeout",
        ReadOnly => "the database is read-only",
        Full => "the disk or database is full",
        CantOpen => "the database file cannot be opened",
        _ => "I/O error: " + exception.Message,
    };
}
