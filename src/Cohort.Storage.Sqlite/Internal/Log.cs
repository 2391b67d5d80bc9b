using Microsoft.Extensions.Logging;

namespace Cohort.Storage.Sqlite.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Opened SQLite store {Path} at schema version {Version}.")]
    public static partial void Opened(ILogger logger, string path, int version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Migrated SQLite store {Path} to schema version {Version} ({Description}).")]
    public static partial void Migrated(ILogger logger, string path, int version, string description);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "SQLite store {Path} is unavailable (SQLite error {ErrorCode}); the operation may be retried.")]
    public static partial void Unavailable(ILogger logger, string path, int errorCode, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Wrote {Written} values to {Path}, rejected {Rejected}.")]
    public static partial void Wrote(ILogger logger, string path, int written, int rejected);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Deleted {Deleted} values before {Before} (Unix ns) from {Path}.")]
    public static partial void Deleted(ILogger logger, string path, int deleted, long before);
}
