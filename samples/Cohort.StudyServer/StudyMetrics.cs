using System.Diagnostics.Metrics;

namespace Cohort.StudyServer;

/// <summary>The server's instruments (meter <c>Cohort.StudyServer</c>).</summary>
internal sealed class StudyMetrics
{
    public StudyMetrics(IMeterFactory meterFactory)
    {
        Meter meter = meterFactory.Create("Cohort.StudyServer");
        UploadsAccepted = meter.CreateCounter<long>("cohort.study.uploads.accepted", description: "Uploads stored raw and queued.");
        UploadsStored = meter.CreateCounter<long>("cohort.study.uploads.stored", description: "Uploads decrypted and stored encrypted at rest.");
        UploadsFailed = meter.CreateCounter<long>("cohort.study.uploads.failed", description: "Uploads moved to problems/.");
        MeasuresAccepted = meter.CreateCounter<long>("cohort.study.measures.accepted", description: "Raw measures accepted.");
        MeasuresRejected = meter.CreateCounter<long>("cohort.study.measures.rejected", description: "Raw measures refused with 400.");
    }

    public Counter<long> UploadsAccepted { get; }

    public Counter<long> UploadsStored { get; }

    public Counter<long> UploadsFailed { get; }

    public Counter<long> MeasuresAccepted { get; }

    public Counter<long> MeasuresRejected { get; }
}
