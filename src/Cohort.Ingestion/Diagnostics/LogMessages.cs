using Microsoft.Extensions.Logging;

namespace Cohort.Ingestion.Diagnostics;

/// <summary>The pipeline's log lines (source-generated).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1, LogLevel.Warning, "Cut the torn or corrupt tail of write-ahead log segment {Path} at byte {Offset}: {Bytes} bytes removed ({Problem}).")]
    public static partial void TornTailCut(ILogger logger, string path, long offset, long bytes, string problem);

    [LoggerMessage(2, LogLevel.Warning, "Removed write-ahead log segment {Path} ({Bytes} bytes): its header is missing or invalid.")]
    public static partial void CorruptSegmentRemoved(ILogger logger, string path, long bytes);

    [LoggerMessage(3, LogLevel.Debug, "Deleted write-ahead log segment {Segment}: every sink has confirmed it.")]
    public static partial void SegmentDeleted(ILogger logger, long segment);

    [LoggerMessage(4, LogLevel.Warning, "Sink {Sink} failed to write {Points} points (attempt {Attempt}); retrying in {Delay}.")]
    public static partial void SinkRetry(ILogger logger, Exception exception, string sink, int points, int attempt, TimeSpan delay);

    [LoggerMessage(5, LogLevel.Error, "Sink {Sink} refused {Points} points with a permanent error; they went to the dead-letter store.")]
    public static partial void SinkPermanentFailure(ILogger logger, Exception exception, string sink, int points);

    [LoggerMessage(6, LogLevel.Warning, "Refused a message from source {Source} for tenant {Tenant}: {Reason}")]
    public static partial void MessageRefused(ILogger logger, string source, string tenant, string reason);

    [LoggerMessage(7, LogLevel.Information, "Ingestion started: buffer {Directory} holds {Bytes} bytes; sinks {Sinks}.")]
    public static partial void Started(ILogger logger, string directory, long bytes, string sinks);

    [LoggerMessage(8, LogLevel.Warning, "The durable buffer is full ({Bytes} of {MaxBytes} bytes); refusing input until sinks catch up.")]
    public static partial void BufferFull(ILogger logger, long bytes, long maxBytes);

    [LoggerMessage(9, LogLevel.Error, "Sink {Sink} cannot read the write-ahead log at {Position}; it skips to the next segment.")]
    public static partial void SinkReadFailed(ILogger logger, Exception exception, string sink, string position);

    [LoggerMessage(10, LogLevel.Error, "Ingest source {Source} stopped with an error.")]
    public static partial void SourceFailed(ILogger logger, Exception exception, string source);
}
