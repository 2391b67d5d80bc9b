using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cohort.Storage.Sqlite.Internal;

/// <summary>The store's instruments, on a meter named after the package.</summary>
internal sealed class SqliteStoreMetrics : IDisposable
{
    public const string MeterName = "Cohort.Storage.Sqlite";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _written;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _deleted;

    public SqliteStoreMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _written = _meter.CreateCounter<long>("cohort.storage.sqlite.values.written", "{value}", "Field values stored.");
        _rejected = _meter.CreateCounter<long>("cohort.storage.sqlite.values.rejected", "{value}", "Field values refused as rejections.");
        _duration = _meter.CreateHistogram<double>("cohort.storage.sqlite.write.duration", "s", "Time to write one batch, including waiting for the file's writer.");
        _deleted = _meter.CreateCounter<long>("cohort.storage.sqlite.values.deleted", "{value}", "Field values deleted by retention (DeleteBeforeAsync).");
    }

    public void Record(int written, int rejected, long startTimestamp)
    {
        _written.Add(written);
        if (rejected > 0)
        {
            _rejected.Add(rejected);
        }

        _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
    }

    public void RecordDeleted(int deleted) => _deleted.Add(deleted);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
