namespace Cohort.Devices.Polling;

/// <summary>The health of one polled device.</summary>
/// <param name="DeviceName">The device's name.</param>
/// <param name="LastSuccess">When the device was last read successfully, if ever.</param>
/// <param name="ConsecutiveFailures">Failed reads since the last success.</param>
/// <param name="LastLatency">How long the last read took (successful or not), if any.</param>
/// <param name="Reads">Successful reads since polling started.</param>
/// <param name="Failures">Failed reads since polling started.</param>
/// <param name="LastError">The message of the last failure since the last success, if any.</param>
public sealed record DeviceHealth(
    string DeviceName,
    DateTimeOffset? LastSuccess,
    int ConsecutiveFailures,
    TimeSpan? LastLatency,
    long Reads,
    long Failures,
    string? LastError);
