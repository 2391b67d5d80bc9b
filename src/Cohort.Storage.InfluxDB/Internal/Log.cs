using Microsoft.Extensions.Logging;

namespace Cohort.Storage.InfluxDB.Internal;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Created InfluxDB database {Database}")]
    public static partial void DatabaseCreated(ILogger logger, string database);

    [LoggerMessage(2, LogLevel.Warning, "InfluxDB request failed ({Problem}); retry {Attempt} in {Delay}")]
    public static partial void Retrying(ILogger logger, string problem, int attempt, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Warning, "InfluxDB at {BaseUri} is unavailable: {Problem}")]
    public static partial void Unavailable(ILogger logger, Uri baseUri, string problem);

    [LoggerMessage(4, LogLevel.Debug, "Wrote {Written} values to {Database}, {Rejected} rejected")]
    public static partial void BatchWritten(ILogger logger, string database, int written, int rejected);

    [LoggerMessage(5, LogLevel.Warning, "InfluxDB refused {Count} lines of a write to {Database}: {Message}")]
    public static partial void LinesRefused(ILogger logger, int count, string database, string message);

    [LoggerMessage(6, LogLevel.Warning, "InfluxDB refused a write of {Count} lines to {Database} as too large; sending it in halves")]
    public static partial void Splitting(ILogger logger, int count, string database);

    [LoggerMessage(7, LogLevel.Information, "Deleted the points of {Database} before {Before} (Unix ns)")]
    public static partial void Deleted(ILogger logger, string database, long before);
}
