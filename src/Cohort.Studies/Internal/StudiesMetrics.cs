using System.Diagnostics.Metrics;

namespace Cohort.Studies.Internal;

/// <summary>The package's instruments, on meter <c>Cohort.Studies</c>.</summary>
internal sealed class StudiesMetrics : IDisposable
{
    public const string MeterName = "Cohort.Studies";
    private readonly Meter _meter;

    public StudiesMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        JobRuns = _meter.CreateCounter<long>("cohort.studies.jobs.runs", "{run}", "Job occurrences run by this host, by job and outcome.");
        JobRetries = _meter.CreateCounter<long>("cohort.studies.jobs.retries", "{attempt}", "Job attempts that failed and were retried.");
        JobSkipped = _meter.CreateCounter<long>("cohort.studies.jobs.skipped", "{run}", "Job occurrences left to another host (claimed or already run).");
        JobDuration = _meter.CreateHistogram<double>("cohort.studies.jobs.duration", "s", "How long job runs took, retries included.");
        RuleFirings = _meter.CreateCounter<long>("cohort.studies.rules.firings", "{firing}", "Rule firings, by rule and whether the notification was sent.");
        RuleArrivals = _meter.CreateCounter<long>("cohort.studies.rules.arrivals", "{trigger}", "Writes that an on-arrival rule reads, by outcome: queued, coalesced (one already pending) or dropped (queue full).");
        RuleArrivalEvaluations = _meter.CreateCounter<long>("cohort.studies.rules.arrival.evaluations", "{evaluation}", "On-arrival rule evaluations, by rule and outcome.");
    }

    public Counter<long> JobRuns { get; }

    public Counter<long> JobRetries { get; }

    public Counter<long> JobSkipped { get; }

    public Histogram<double> JobDuration { get; }

    public Counter<long> RuleFirings { get; }

    public Counter<long> RuleArrivals { get; }

    public Counter<long> RuleArrivalEvaluations { get; }

    public void Dispose() => _meter.Dispose();
}
