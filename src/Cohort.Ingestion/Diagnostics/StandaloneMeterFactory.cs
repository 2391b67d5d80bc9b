using System.Diagnostics.Metrics;

namespace Cohort.Ingestion.Diagnostics;

/// <summary>Creates meters when the host registered no <see cref="IMeterFactory"/> (a bare service collection).</summary>
internal sealed class StandaloneMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
