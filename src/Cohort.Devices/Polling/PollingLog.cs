using Microsoft.Extensions.Logging;

namespace Cohort.Devices.Polling;

/// <summary>Log messages of device polling. Device configurations are never logged whole; errors carry no secrets.</summary>
internal static partial class PollingLog
{
    [LoggerMessage(1, LogLevel.Information, "Polling {DeviceCount} devices")]
    public static partial void PollingStarted(ILogger logger, int deviceCount);

    [LoggerMessage(2, LogLevel.Warning, "Reading device {DeviceName} failed ({ConsecutiveFailures} in a row)")]
    public static partial void ReadFailed(ILogger logger, string deviceName, int consecutiveFailures, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Device {DeviceName} answers again after {ConsecutiveFailures} failed reads")]
    public static partial void Recovered(ILogger logger, string deviceName, int consecutiveFailures);

    [LoggerMessage(4, LogLevel.Error, "The reading sink failed to take a reading of device {DeviceName}")]
    public static partial void SinkFailed(ILogger logger, string deviceName, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Polling stopped")]
    public static partial void PollingStopped(ILogger logger);
}
