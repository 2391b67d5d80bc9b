namespace Cohort.Devices.Polling;

/// <summary>
/// Receives the readings a <see cref="DevicePoller"/> produces (the edge agent's MQTT publisher, a store writer, a
/// test's list). Called concurrently from one task per device, so implementations must be thread-safe.
/// </summary>
public interface IReadingSink
{
    /// <summary>Takes one reading.</summary>
    /// <param name="reading">The reading.</param>
    /// <param name="cancellationToken">Cancelled when polling stops.</param>
    /// <returns>A task that completes when the sink has taken the reading.</returns>
    ValueTask WriteAsync(DeviceReading reading, CancellationToken cancellationToken = default);
}
