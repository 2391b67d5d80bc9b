namespace Cohort.StudyServer;

/// <summary>Options of the study server (configuration section <c>Study</c>).</summary>
public sealed class StudyServerOptions
{
    /// <summary>The configuration section the options bind to.</summary>
    public const string SectionName = "Study";

    /// <summary>
    /// The study's id: the key id of its RSA transport key (<c>&lt;StudyId&gt;.pem</c>) and the prefix of its master
    /// key (<c>&lt;StudyId&gt;-master</c>) and identifier salt (<c>&lt;StudyId&gt;-salt</c>). Default <c>study</c>.
    /// </summary>
    public string StudyId { get; set; } = "study";

    /// <summary>Where uploads, decrypted data (encrypted at rest) and registrations live. Default <c>study-data</c>.</summary>
    public string DataDirectory { get; set; } = "study-data";

    /// <summary>
    /// The key folder (Cohort.Encryption's <c>PemFileKeyProvider</c> layout). Keys missing at start are generated there.
    /// Default <c>&lt;DataDirectory&gt;/keys</c>; in production point it at a secrets mount.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>PBKDF2 iterations for participant identifiers (Beiwe draws 901–1100). Default 1000.</summary>
    public int IdentifierIterations { get; set; } = 1000;

    /// <summary>Organisations that may post measures and read aggregates: organisation name and its bearer token.</summary>
    public IList<OrganisationToken> Organisations { get; } = [];

    /// <summary>How often posted raw measures are merged into the aggregates (DACC's schedule). Default one minute.</summary>
    public TimeSpan AggregationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The largest upload accepted, in bytes. Default 64 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How many uploads are decrypted at the same time. Default 2.</summary>
    public int UploadWorkers { get; set; } = 2;

    /// <summary>Above this many uploads waiting for decryption, <c>/status</c> reports Degraded. Default 1,000.</summary>
    public int BacklogWarning { get; set; } = 1_000;

    internal string ResolvedKeyDirectory => KeyDirectory ?? Path.Combine(DataDirectory, "keys");

    internal string MasterKeyId => StudyId + "-master";

    internal string SaltKeyId => StudyId + "-salt";
}

/// <summary>An organisation and the bearer token it presents.</summary>
public sealed class OrganisationToken
{
    /// <summary>The organisation's name, as measure definitions name it (<c>org</c>, <c>accessOrgs</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The bearer token (at least 16 characters); compared in constant time, never logged.</summary>
    public string Token { get; set; } = "";
}
