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

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Rollup of {Field} every {Period} is maintained in schema {Schema} (TimescaleDB: {Timescale}).")]
    public static partial void RollupEnsured(ILogger logger, string schema, Cohort.Core.FieldReference field, TimeSpan period, bool timescale);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Rollup of {Field} every {Period} in schema {Schema} is dropped.")]
    public static partial void RollupDropped(ILogger logger, string schema, Cohort.Core.FieldReference field, TimeSpan period);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Rollup of {Field} in schema {Schema} is materialised up to {Watermark}.")]
    public static partial void RollupRefreshed(ILogger logger, string schema, Cohort.Core.FieldReference field, long watermark);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Rollup of {Field} in schema {Schema}: {Buckets} buckets recomputed after late points.")]
    public static partial void RollupRecomputed(ILogger logger, string schema, Cohort.Core.FieldReference field, int buckets);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Rollup of {Field} in schema {Schema}: buckets before {Floor} (Unix ns) deleted (rollup retention).")]
    public static partial void RollupBucketsDeleted(ILogger logger, string schema, Cohort.Core.FieldReference field, long floor);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Deleted the points of schema {Schema} before {Before} (Unix ns): {Deleted} rows deleted, {Dropped} whole partitions or chunks dropped.")]
    public static partial void Purged(ILogger logger, string schema, long before, long deleted, int dropped);
}
