using System.Diagnostics.Metrics;
using Cohort.Core;

namespace Cohort.Storage.Sqlite.Tests;

public sealed class SqliteStoreMetricsTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Counts_values_written_and_rejected_on_the_package_meter()
    {
        using var meters = new TestMeterFactory();
        var measurements = new List<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Created.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measurements.Add((instrument.Name, value)));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => measurements.Add((instrument.Name, value)));
        listener.Start();
        await using var store = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = _directory.Path }, meterFactory: meters);

        await store.WriteAsync(new Tenant("alice"), PointBatch.FromPoints([new Point("m", TagSet.Empty, [new("a", 1L), new("b", double.NaN)], 1)]));

        Assert.Equal("Cohort.Storage.Sqlite", Assert.Single(meters.Created).Name);
        Assert.Contains(("cohort.storage.sqlite.values.written", 1.0), measurements);
        Assert.Contains(("cohort.storage.sqlite.values.rejected", 1.0), measurements);
        Assert.Contains(measurements, m => m.Instrument == "cohort.storage.sqlite.write.duration" && m.Value >= 0);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
