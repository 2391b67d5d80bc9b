using System.Text;
using Cohort.Core;
using Cohort.Core.LineProtocol;
using Cohort.Devices;
using Cohort.Devices.Polling;
using Cohort.Ingestion;

namespace Cohort.Quickstart.Readings;

/// <summary>
/// The readings path from a house's poller to the collector: each reading becomes one line of line protocol
/// (measurement = device, so formulas refer to <c>device.field</c>) handed to the collector's <see cref="IIngestor"/>,
/// which acknowledges it once it is in the durable log.
/// </summary>
internal sealed class IngestorReadingSink(IIngestor ingestor, Tenant house, TimeProvider collectorClock) : IReadingSink
{
    public async ValueTask WriteAsync(DeviceReading reading, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var point = new Point(reading.DeviceName, TagSet.Empty, reading.Fields, reading.Timestamp);
        var payload = Encoding.UTF8.GetBytes(LineProtocolWriter.Default.WriteToString(point));
        var message = new IngestMessage(house, "edge-" + house.Id, "text/plain; precision=ns", payload, collectorClock.GetUtcNow());
        // A reading already read is delivered even while the house stops: an acknowledgement takes milliseconds.
        var ack = await ingestor.IngestAsync(message, CancellationToken.None).ConfigureAwait(false);
        if (ack.IsRefused)
        {
            throw new InvalidOperationException($"The collector refused the reading of {house}/{reading.DeviceName}: {ack.Rejections[0].Reason}");
        }
    }
}
