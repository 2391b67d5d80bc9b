using System.Buffers;
using Cohort.Devices.Edge.Diagnostics;
using Cohort.Devices.Polling;
using Cohort.Ingestion;
using Microsoft.Extensions.Logging;

namespace Cohort.Devices.Edge.Forwarding;

/// <summary>
/// The pollers' sink: each reading becomes one record appended to the durable log (returning once it is stored);
/// the <see cref="Forwarder"/> publishes it later. When the log is full the reading is refused (newest dropped,
/// counted with reason <c>buffer_full</c>) so the stored ones are kept in order.
/// </summary>
internal sealed class StoreAndForwardSink(DurableLog log, EdgeMetrics metrics, ILogger logger) : IReadingSink
{
    public async ValueTask WriteAsync(DeviceReading reading, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (reading.Fields.IsDefaultOrEmpty)
        {
            metrics.Dropped("no_fields");
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        var rejected = ReadingRecord.Encode(reading, buffer);
        if (rejected < 0)
        {
            metrics.Dropped("unwritable");
            EdgeLog.ReadingDropped(logger, reading.DeviceName, "no field can be written as line protocol (NaN or infinite values)");
            return;
        }

        try
        {
            // Not cancellable: a reading that was read is stored even while polling stops (an append takes a flush).
            await log.AppendAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            metrics.Buffered();
        }
        catch (BufferFullException)
        {
            // Refuse the newest: the durable log logs the first refusal of each full episode.
            metrics.Dropped("buffer_full");
        }
    }
}
