namespace Cohort.Quickstart.Report;

/// <summary>What one run did, as printed at the end and written to <c>report.json</c> (CI and the tests read it).</summary>
internal sealed record QuickstartSummary
{
    public required DateTimeOffset SimulatedDay { get; init; }
    public required double Speed { get; init; }
    public required int Houses { get; init; }
    public required double WallSeconds { get; init; }
    public required double SimulatedHours { get; init; }
    public required bool StoppedEarly { get; init; }
    public required RunCounts Counts { get; init; }
    public required MqttCounts Mqtt { get; init; }
    public required IReadOnlyList<HouseReport> HouseReports { get; init; }
    public required IReadOnlyList<AggregateRow> Aggregates { get; init; }
    public required int PrivacyThreshold { get; init; }
    public required IReadOnlyDictionary<string, string> Files { get; init; }
}

/// <summary>The pipeline's totals at the end of the run.</summary>
internal sealed record RunCounts(long Received, long Written, long Rejected, long Buffered, long DeadLetters);

/// <summary>
/// The MQTT leg: readings and messages the edge agents published (acknowledged by the broker), messages the collector's
/// source received, and whether the collector had received everything published before it stopped.
/// </summary>
internal sealed record MqttCounts(long ReadingsPublished, long MessagesPublished, long MessagesReceived, bool Drained);

/// <summary>One house's hourly energy per column (kWh) and its day totals.</summary>
internal sealed record HouseReport(string House, string District, IReadOnlyList<HourRow> Hours, IReadOnlyDictionary<string, double> DayTotals);

/// <summary>One hour of a house: kWh per column (missing when the hour has no data for it).</summary>
internal sealed record HourRow(DateTimeOffset Hour, IReadOnlyDictionary<string, double?> KWh);

/// <summary>A row of the cross-house aggregate; a suppressed row has fewer houses than the threshold and no values.</summary>
internal sealed record AggregateRow(string Measure, DateTimeOffset Day, string District, bool Suppressed, long? Houses, double? Avg, double? Min, double? Max);
