using System.Text.Json;
using System.Text.Json.Serialization;
using Cohort.Devices.Configuration;

namespace Cohort.Studies.Manifest;

/// <summary>
/// One JSON document describing a whole study or deployment: tenants (houses, participants) with their devices and
/// named analytics, measure definitions, rollups, retention, key references (never key material), schedules,
/// notifiers and rules. Its JSON Schema is <c>docs/study-manifest.schema.json</c>. Read it with
/// <see cref="StudyManifestReader"/>, which names the JSON path of every problem.
/// </summary>
public sealed record StudyManifest
{
    /// <summary>The JSON Schema the document claims (<c>$schema</c>); informational.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    /// <summary>The study or deployment id.</summary>
    public string Study { get; init; } = "";

    /// <summary>The manifest format version (1).</summary>
    public int Version { get; init; } = 1;

    /// <summary>A description for people.</summary>
    public string? Description { get; init; }

    /// <summary>Encryption key references, by name.</summary>
    public IReadOnlyList<ManifestKey> Keys { get; init; } = [];

    /// <summary>The tenants: houses, participants, users.</summary>
    public IReadOnlyList<ManifestTenant> Tenants { get; init; } = [];

    /// <summary>DACC measure definitions (the <c>definitions</c> array of Cohort.Aggregation), kept as written.</summary>
    public JsonElement? Measures { get; init; }

    /// <summary>Rollups to maintain.</summary>
    public IReadOnlyList<ManifestRollup> Rollups { get; init; } = [];

    /// <summary>How long data is kept.</summary>
    public ManifestRetention? Retention { get; init; }

    /// <summary>Scheduled jobs.</summary>
    public IReadOnlyList<ManifestSchedule> Schedules { get; init; } = [];

    /// <summary>Where rule firings are sent.</summary>
    public IReadOnlyList<ManifestNotifier> Notifiers { get; init; } = [];

    /// <summary>Rules that notify.</summary>
    public IReadOnlyList<ManifestRule> Rules { get; init; } = [];

    /// <summary>Writes the manifest as indented JSON (device secret literals are written as <c>***</c>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, StudyManifestReader.JsonOptions);
}

/// <summary>A reference to an encryption key held elsewhere: never the key itself.</summary>
public sealed record ManifestKey
{
    /// <summary>The name tenants and notifiers use to refer to the key.</summary>
    public string Name { get; init; } = "";

    /// <summary>Where the key lives: <c>file</c>, <c>environment</c> or <c>keystore</c>.</summary>
    public string Provider { get; init; } = "";

    /// <summary>The file path, environment variable name or key-store id.</summary>
    public string Reference { get; init; } = "";
}

/// <summary>A tenant: a house, a participant or a user, with its devices and named analytics.</summary>
public sealed record ManifestTenant
{
    /// <summary>The tenant id (see <see cref="Cohort.Core.Tenant"/>).</summary>
    public string Id { get; init; } = "";

    /// <summary><c>house</c>, <c>participant</c> or <c>user</c> (default <c>house</c>).</summary>
    public string Kind { get; init; } = "house";

    /// <summary>The tenant's IANA time zone (rules' quiet hours and max per day use it); UTC when omitted.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The participants of a house (their ids), when a house groups several.</summary>
    public IReadOnlyList<string> Participants { get; init; } = [];

    /// <summary>The name of the key (in <see cref="StudyManifest.Keys"/>) that encrypts this tenant's uploads.</summary>
    public string? EncryptionKey { get; init; }

    /// <summary>The tenant's devices, as Cohort.Devices configures them.</summary>
    public IReadOnlyList<DeviceConfiguration> Devices { get; init; } = [];

    /// <summary>Named formulas in the tenant's scope.</summary>
    public IReadOnlyList<ManifestAnalytic> Analytics { get; init; } = [];
}

/// <summary>A named analytic (Cohort.Formulas).</summary>
public sealed record ManifestAnalytic
{
    /// <summary>The name formulas use to call it.</summary>
    public string Name { get; init; } = "";

    /// <summary>The formula.</summary>
    public string Formula { get; init; } = "";

    /// <summary>A description for people.</summary>
    public string? Description { get; init; }

    /// <summary>Whether rollups are kept for the fields it reads.</summary>
    public bool ContinuousAggregation { get; init; }
}

/// <summary>A rollup to maintain: a field aggregated per period.</summary>
public sealed record ManifestRollup
{
    /// <summary>The field, <c>device.field</c>.</summary>
    public string Field { get; init; } = "";

    /// <summary>The period: a duration such as <c>1h</c>.</summary>
    public string Period { get; init; } = "1h";
}

/// <summary>How long data is kept; durations such as <c>365d</c>. Omitted means kept forever.</summary>
public sealed record ManifestRetention
{
    /// <summary>Raw points.</summary>
    public string? Raw { get; init; }

    /// <summary>Rollups.</summary>
    public string? Rollups { get; init; }

    /// <summary>Cached export files.</summary>
    public string? Exports { get; init; }
}

/// <summary>A scheduled job.</summary>
public sealed record ManifestSchedule
{
    /// <summary>The job's unique name.</summary>
    public string Name { get; init; } = "";

    /// <summary>What runs: <c>aggregation</c>, <c>purge</c>, <c>rollup-refresh</c>, <c>export</c>, <c>rules</c> or <c>user</c>.</summary>
    public string Job { get; init; } = "";

    /// <summary>The cron expression (five fields, or six with seconds first).</summary>
    public string Cron { get; init; } = "";

    /// <summary>The IANA time zone of the expression; UTC when omitted.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Attempts before a run counts as failed (default 3).</summary>
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>A notification channel.</summary>
public sealed record ManifestNotifier
{
    /// <summary>The name rules use.</summary>
    public string Name { get; init; } = "";

    /// <summary>The notifier type: <c>webhook</c> ships; others are registered by the host.</summary>
    public string Type { get; init; } = "webhook";

    /// <summary>The webhook URL.</summary>
    public Uri? Url { get; init; }

    /// <summary>The name of a key (in <see cref="StudyManifest.Keys"/>) that signs webhook bodies, when they are signed.</summary>
    public string? SigningKey { get; init; }
}

/// <summary>
/// A rule: a formula aggregated over a trailing window for each tenant in scope, compared with a threshold; when it
/// holds, the notifier is called, subject to cooldown, quiet hours and a maximum per day.
/// </summary>
public sealed record ManifestRule
{
    /// <summary>The rule's unique name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The formula (over device fields and the tenant's analytics).</summary>
    public string Formula { get; init; } = "";

    /// <summary>The trailing window, e.g. <c>1h</c>.</summary>
    public string Window { get; init; } = "1h";

    /// <summary>How the window is reduced: <c>mean</c>, <c>min</c>, <c>max</c> or <c>last</c>.</summary>
    public string Aggregate { get; init; } = "mean";

    /// <summary>Fires when the aggregate is above this.</summary>
    public double? Above { get; init; }

    /// <summary>Fires when the aggregate is below this.</summary>
    public double? Below { get; init; }

    /// <summary>The notifier's name.</summary>
    public string Notifier { get; init; } = "";

    /// <summary>What the notification says (e.g. the survey to open).</summary>
    public string? Message { get; init; }

    /// <summary>The least time between two firings for one tenant, e.g. <c>4h</c>.</summary>
    public string? Cooldown { get; init; }

    /// <summary>Local hours with no firing, <c>HH:mm-HH:mm</c> (may wrap midnight).</summary>
    public string? QuietHours { get; init; }

    /// <summary>The most firings per tenant per local day.</summary>
    public int? MaxPerDay { get; init; }

    /// <summary>The tenant ids in scope; every tenant when empty.</summary>
    public IReadOnlyList<string> Tenants { get; init; } = [];

    /// <summary>
    /// When the rule is evaluated: cron, or <c>on-arrival</c> to evaluate it for a tenant as that tenant's data for a
    /// field the formula reads is written; every 5 minutes when omitted.
    /// </summary>
    public string? Schedule { get; init; }
}
