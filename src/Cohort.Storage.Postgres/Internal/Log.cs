using Microsoft.Extensions.Logging;

namespace Cohort.Storage.Postgres.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Migrated PostgreSQL tenant schema {Schema} to version {Version} (TimescaleDB: {Timescale}).")]
    public static partial void Migrated(ILogger logger, string schema, int version, bool timescale);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "PostgreSQL store is unavailable (SQL state {SqlState}); the operation may be retried.")]
    public static partial void Unavailable(ILogger logger, string? sqlState, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Wrote {Written} values to schema {Schema}, rejected {Rejected}.")]
    public static partial void Wrote(ILogger logger, string schema, int written, int rejected);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Retrying a batch for schema {Schema} after a deadlock or serialization failure (attempt {Attempt}).")]
    public static partial void Retrying(ILogger logger, string schema, int attempt);
}
