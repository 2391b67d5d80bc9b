using Microsoft.Extensions.Logging;

namespace Cohort.Devices.Edge.Diagnostics;

/// <summary>The edge agent's log lines. Configurations are never logged whole; problems name JSON paths only.</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(1, LogLevel.Information, "Edge agent for house {House} started: {DeviceCount} devices, publishing to {Topic}, {BacklogBytes} bytes waiting in the buffer")]
    public static partial void Started(ILogger logger, string house, int deviceCount, string topic, long backlogBytes);

    [LoggerMessage(2, LogLevel.Warning, "Publishing {Messages} messages ({Readings} readings; the first to {Topic}) failed (attempt {Attempt}); retrying in {Delay}")]
    public static partial void PublishFailed(ILogger logger, Exception exception, int messages, int readings, string topic, int attempt, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Error, "The broker refused {Messages} messages ({Readings} readings; the first to {Topic}) (attempt {Attempt}); they stay buffered and are retried in {Delay}")]
    public static partial void PublishRefused(ILogger logger, Exception exception, int messages, int readings, string topic, int attempt, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Information, "Publishing again after {Attempts} failed attempts")]
    public static partial void PublishRecovered(ILogger logger, int attempts);

    [LoggerMessage(5, LogLevel.Warning, "Dropped a reading of device {DeviceName}: {Reason}")]
    public static partial void ReadingDropped(ILogger logger, string deviceName, string reason);

    [LoggerMessage(6, LogLevel.Information, "Applied a new configuration from {Topic}: {DeviceCount} devices, restarted {Restarted}, stopped {Stopped}")]
    public static partial void ConfigurationApplied(ILogger logger, string topic, int deviceCount, string restarted, string stopped);

    [LoggerMessage(7, LogLevel.Warning, "Rejected the configuration received on {Topic}; the current one keeps running. Problems: {Problems}")]
    public static partial void ConfigurationRejected(ILogger logger, string topic, string problems);

    [LoggerMessage(8, LogLevel.Debug, "The configuration received on {Topic} is the one running")]
    public static partial void ConfigurationUnchanged(ILogger logger, string topic);

    [LoggerMessage(9, LogLevel.Warning, "Subscribing to the configuration topic {Topic} failed; retrying in {Delay}")]
    public static partial void SubscribeFailed(ILogger logger, Exception exception, string topic, TimeSpan delay);

    [LoggerMessage(10, LogLevel.Warning, "Publishing the configuration status to {Topic} failed")]
    public static partial void StatusFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(11, LogLevel.Error, "Applying the configuration received on {Topic} failed; the previous devices keep running where they could")]
    public static partial void ConfigurationFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(12, LogLevel.Information, "Edge agent stopped; {BacklogBytes} bytes wait in the buffer for the next start")]
    public static partial void Stopped(ILogger logger, long backlogBytes);
}
