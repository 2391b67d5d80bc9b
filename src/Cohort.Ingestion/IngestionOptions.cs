namespace Cohort.Ingestion;

/// <summary>When the durable buffer forces its writes to the disk.</summary>
public enum FsyncPolicy
{
    /// <summary>Every group of batches is flushed to the device before it is acknowledged (the default).</summary>
    EveryBatch = 0,

    /// <summary>
    /// Batches are acknowledged once written to the operating system and flushed to the device every
    /// <see cref="IngestionOptions.FsyncInterval"/>: faster, but a power cut may lose the last interval's data.
    /// </summary>
    Interval = 1,
}

/// <summary>Options of the ingestion pipeline. Every property has a working default.</summary>
public sealed class IngestionOptions
{
    /// <summary>The folder of the durable buffer (write-ahead log and sink checkpoints). Default <c>cohort-data/ingestion</c> in the working folder.</summary>
    public string BufferDirectory { get; set; } = Path.Combine("cohort-data", "ingestion");

    /// <summary>The JSON-lines file of the default dead-letter store. Default <c>dead-letters.jsonl</c> in <see cref="BufferDirectory"/>.</summary>
    public string? DeadLetterPath { get; set; }

    /// <summary>The most points a sink receives in one write. Default 5,000.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>The longest a point waits in the buffer for its sink batch to fill. Default 1 second.</summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The messages that may wait for the buffer writer before senders are held back. Default 1,024.</summary>
    public int QueueCapacity { get; set; } = 1_024;

    /// <summary>When writes are forced to the disk. Default <see cref="FsyncPolicy.EveryBatch"/>.</summary>
    public FsyncPolicy FsyncPolicy { get; set; } = FsyncPolicy.EveryBatch;

    /// <summary>The flush period under <see cref="FsyncPolicy.Interval"/>. Default 100 ms.</summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The most bytes the buffer may hold on disk; beyond it messages are refused with <see cref="BufferFullException"/>. Default 1 GiB.</summary>
    public long MaxBufferBytes { get; set; } = 1L << 30;

    /// <summary>The size at which a log segment is closed and a new one started. Default 16 MiB.</summary>
    public long SegmentBytes { get; set; } = 16L << 20;

    /// <summary>The first retry delay of a failing sink; it doubles each attempt, with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest retry delay of a failing sink. Default 30 seconds.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A sink that has not written for this long while it has data to write is reported stuck. Default 5 minutes.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Validation rules applied to every decoded point.</summary>
    public ValidationOptions Validation { get; } = new();

    /// <summary>Tags added to points from the message (metadata and topic).</summary>
    public EnrichmentOptions Enrichment { get; } = new();

    /// <summary>
    /// The tenants each source may write: source id → tenant ids (<c>*</c> for any). When empty, every source may
    /// write every tenant (a single-tenant host); once any source is listed, unlisted sources are refused.
    /// </summary>
    public IDictionary<string, ISet<string>> SourceTenants { get; } = new Dictionary<string, ISet<string>>(StringComparer.Ordinal);
}

/// <summary>Validation rules for decoded points; a point that breaks one is rejected, the rest land.</summary>
public sealed class ValidationOptions
{
    /// <summary>Tag keys each measurement must have (<c>*</c> for every measurement).</summary>
    public IDictionary<string, IList<string>> RequiredTags { get; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary>
    /// Allowed numeric ranges, keyed by <c>measurement.field</c> (a field reference) or <c>*.field</c> for the field in
    /// any measurement. Non-numeric values of a ranged field are rejected.
    /// </summary>
    public IDictionary<string, ValueRange> FieldRanges { get; } = new Dictionary<string, ValueRange>(StringComparer.Ordinal);

    /// <summary>How far past the current time a timestamp may be. Default 10 minutes; <see langword="null"/> for no limit.</summary>
    public TimeSpan? MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How old a timestamp may be. Default <see langword="null"/> (no limit: backfills are common).</summary>
    public TimeSpan? MaxAge { get; set; }
}

/// <summary>An inclusive numeric range; a missing bound is open.</summary>
/// <param name="Min">The smallest allowed value, or <see langword="null"/>.</param>
/// <param name="Max">The largest allowed value, or <see langword="null"/>.</param>
public readonly record struct ValueRange(double? Min, double? Max)
{
    /// <summary>Whether <paramref name="value"/> is in the range (NaN never is).</summary>
    public bool Contains(double value) => !double.IsNaN(value) && (Min is not { } min || value >= min) && (Max is not { } max || value <= max);
}

/// <summary>Tags the pipeline adds to points from the message they came in.</summary>
public sealed class EnrichmentOptions
{
    /// <summary>Metadata keys copied as tags: metadata key → tag key.</summary>
    public IDictionary<string, string> MetadataTags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// A topic pattern whose <c>{name}</c> levels become tags, e.g. <c>cohort/{tenant}/{house}/{device}</c> on topic
    /// <c>cohort/t1/h7/egauge</c> adds <c>house=h7</c> and <c>device=egauge</c> (<c>{tenant}</c> is never a tag;
    /// <c>+</c> matches a level without a tag). Messages whose topic does not match are left as they are.
    /// </summary>
    public string? TopicPattern { get; set; }

    /// <summary>Whether an added tag replaces a tag the point already has. Default false: the point's own tags win.</summary>
    public bool OverwriteTags { get; set; }
}
