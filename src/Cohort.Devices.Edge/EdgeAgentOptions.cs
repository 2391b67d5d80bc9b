using Cohort.Devices.Configuration;
using Cohort.Ingestion;

namespace Cohort.Devices.Edge;

/// <summary>Options of the edge agent (<c>AddCohortEdgeAgent</c>). Every property but the house has a working default.</summary>
public sealed class EdgeAgentOptions
{
    /// <summary>
    /// Gets or sets the house (tenant) id, the <c>{tenant}</c> level of every topic. When <see langword="null"/>, the
    /// configuration's <c>house</c> property is used; one of the two is required.
    /// </summary>
    public string? House { get; set; }

    /// <summary>Gets or sets the house configuration file: read at start, and replaced atomically by every valid configuration received on <see cref="ConfigTopic"/>. Default <c>devices.json</c>.</summary>
    public string ConfigurationPath { get; set; } = "devices.json";

    /// <summary>Gets or sets the configuration to start with when <see cref="ConfigurationPath"/> does not exist yet (a first boot).</summary>
    public HouseConfiguration? Configuration { get; set; }

    /// <summary>
    /// Gets or sets the topic readings are published to, an <c>MqttTopicTemplate</c> with the variables
    /// <c>{tenant}</c> (the house), <c>{device}</c> and <c>{device_id}</c> (the device name) and <c>{timestamp}</c>
    /// (the reading time in Unix milliseconds). Default <c>cohort/{tenant}/{device}</c>; SGMP's layout is
    /// <c>sgmp_read/{tenant}/{device_id}/{device}/{timestamp}/data</c>.
    /// </summary>
    public string TopicTemplate { get; set; } = "cohort/{tenant}/{device}";

    /// <summary>
    /// Gets or sets the topic new configurations arrive on (with the variable <c>{tenant}</c>), as SGMP's
    /// <c>{DEPLOYMENT}_config/{CLIENT_ID}/devices</c>. Default <c>cohort_config/{tenant}/devices</c>;
    /// <see langword="null"/> to take no configuration over MQTT.
    /// </summary>
    public string? ConfigTopic { get; set; } = "cohort_config/{tenant}/devices";

    /// <summary>
    /// Gets or sets the topic the agent reports each received configuration's outcome to (<c>applied</c> or
    /// <c>rejected</c> with the problems), with the variable <c>{tenant}</c>, e.g. <c>cohort_config/{tenant}/status</c>.
    /// Default <see langword="null"/>: outcomes are only logged and metered.
    /// </summary>
    public string? StatusTopic { get; set; }

    /// <summary>
    /// Gets the durable log readings are stored in before they are published. Defaults: folder <c>edge-buffer</c>,
    /// 256 MiB, 4 MiB segments, flushed to the device on every group of appends. When it is full, new readings are
    /// refused (counted as dropped with reason <c>buffer_full</c>) and the stored ones are kept.
    /// </summary>
    public DurableLogOptions Buffer { get; } = new()
    {
        Directory = "edge-buffer",
        MaxBytes = 256L << 20,
        SegmentBytes = 4L << 20,
    };

    /// <summary>Gets or sets the fraction of its interval by which each device's read may start late (see <c>DevicePollingOptions.Jitter</c>). Default 0.1.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>Gets or sets the most readings one MQTT message carries (one line-protocol line each). Default 500.</summary>
    public int MaxReadingsPerMessage { get; set; } = 500;

    /// <summary>Gets or sets the first delay before publishing again after a failure; it doubles, with jitter, up to <see cref="RetryMaxDelay"/>. Default 0.5 s.</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the longest delay between publish attempts. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
