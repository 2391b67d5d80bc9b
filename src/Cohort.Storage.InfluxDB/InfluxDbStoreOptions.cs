using System.Globalization;
using Cohort.Core;

namespace Cohort.Storage.InfluxDB;

/// <summary>Which InfluxDB HTTP API the store writes through.</summary>
public enum InfluxDbApiVersion
{
    /// <summary>InfluxDB 1.x: <c>POST /write?db=</c>, optional basic authentication, databases created on first write.</summary>
    V1 = 0,

    /// <summary>InfluxDB 2.x: <c>POST /api/v2/write?org=&amp;bucket=</c> with <c>Authorization: Token</c>; buckets must exist.</summary>
    V2 = 1,
}

/// <summary>Options of <see cref="InfluxDbPointStore"/>.</summary>
public sealed class InfluxDbStoreOptions
{
    /// <summary>The scheme of InfluxDB store URIs: <c>influxdb:http://host:8086/?db=name</c>.</summary>
    public const string UriScheme = "influxdb";

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:8086/</c>.</summary>
    public Uri BaseUri { get; set; } = new("http://127.0.0.1:8086/");

    /// <summary>The API to write through (default <see cref="InfluxDbApiVersion.V1"/>).</summary>
    public InfluxDbApiVersion ApiVersion { get; set; } = InfluxDbApiVersion.V1;

    /// <summary>v1 user name (basic authentication); none when null.</summary>
    public string? Username { get; set; }

    /// <summary>v1 password.</summary>
    public string? Password { get; set; }

    /// <summary>v2 API token (sent as <c>Authorization: Token …</c>); required for v2.</summary>
    public string? Token { get; set; }

    /// <summary>v2 organisation; required for v2.</summary>
    public string? Organization { get; set; }

    /// <summary>
    /// A tenant's database (v1) or bucket (v2) is this prefix followed by the tenant id (default <c>cohort_</c>).
    /// </summary>
    public string DatabasePrefix { get; set; } = "cohort_";

    /// <summary>
    /// When set, every tenant uses this one database (or bucket) instead of <see cref="DatabasePrefix"/> + tenant id.
    /// Meant for a store URI naming a database; tenants then share it, so use it with one tenant only.
    /// </summary>
    public string? Database { get; set; }

    /// <summary>
    /// The database (or bucket) holding which fields are unsigned integers, which InfluxDB 1.x stores as signed
    /// integers (default <c>cohort.meta</c>; the dot keeps it apart from every tenant's database).
    /// </summary>
    public string MetadataDatabase { get; set; } = "cohort.meta";

    /// <summary>Lines per write request (default 5,000): a batch is sent in chunks of this many values.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Request bodies of at least this many bytes are gzip-compressed (default 64 KiB); null never compresses.</summary>
    public int? GzipThreshold { get; set; } = 64 * 1024;

    /// <summary>Timestamp precision on the wire (default nanoseconds); finer timestamps are rejected as rows.</summary>
    public TimestampPrecision Precision { get; set; } = TimestampPrecision.Nanoseconds;

    /// <summary>Retries after a failed request (connection refused, timeout, 429, 5xx) before giving up (default 3).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay, doubled for each further retry (default 200 ms).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between retries, also for a server's <c>Retry-After</c> (default 30 s).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The timeout of one HTTP request (default 30 s); a read's streaming is not limited by it.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows per chunk of a streamed query result (default 10,000).</summary>
    public int QueryChunkSize { get; set; } = 10_000;

    /// <summary>Parses <c>influxdb:&lt;url&gt;[?db=&lt;name&gt;]</c>, e.g. <c>influxdb:http://localhost:8086/?db=study</c>.</summary>
    /// <exception cref="ArgumentException">The text is not an InfluxDB store URI.</exception>
    public static InfluxDbStoreOptions FromUri(string storeUri) =>
        TryFromUri(storeUri, out var options)
            ? options
            : throw new ArgumentException($"'{storeUri}' is not an InfluxDB store URI (influxdb:http://host:8086/?db=name).", nameof(storeUri));

    /// <summary>Parses an InfluxDB store URI; see <see cref="FromUri"/>.</summary>
    public static bool TryFromUri(string? storeUri, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out InfluxDbStoreOptions? options)
    {
        options = null;
        const string Prefix = UriScheme + ":";
        if (storeUri is null || !storeUri.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (!Uri.TryCreate(storeUri[Prefix.Length..], UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        string? database = null;
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (key == "db" && value.Length > 0)
            {
                database = value;
            }
            else
            {
                return false;
            }
        }

        var builder = new UriBuilder(url) { Query = "" };
        options = new InfluxDbStoreOptions { BaseUri = builder.Uri, Database = database };
        return true;
    }

    /// <summary>The problems of these options, if any.</summary>
    public IEnumerable<string> Validate()
    {
        if (BaseUri is null || !BaseUri.IsAbsoluteUri || (BaseUri.Scheme != Uri.UriSchemeHttp && BaseUri.Scheme != Uri.UriSchemeHttps))
        {
            yield return "BaseUri must be an absolute http or https address.";
        }

        if (ApiVersion == InfluxDbApiVersion.V2 && (string.IsNullOrEmpty(Token) || string.IsNullOrEmpty(Organization)))
        {
            yield return "The v2 API needs Token and Organization.";
        }

        if (Database is null && string.IsNullOrEmpty(DatabasePrefix))
        {
            yield return "DatabasePrefix must not be empty (or set Database).";
        }

        if (string.IsNullOrEmpty(MetadataDatabase))
        {
            yield return "MetadataDatabase must not be empty.";
        }

        if (BatchSize < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"BatchSize must be at least 1, not {BatchSize}.");
        }

        if (GzipThreshold is < 0)
        {
            yield return "GzipThreshold must not be negative.";
        }

        if (MaxRetries < 0 || RetryDelay < TimeSpan.Zero || MaxRetryDelay < RetryDelay)
        {
            yield return "MaxRetries and RetryDelay must not be negative, and MaxRetryDelay not below RetryDelay.";
        }

        if (RequestTimeout <= TimeSpan.Zero || QueryChunkSize < 1)
        {
            yield return "RequestTimeout and QueryChunkSize must be positive.";
        }
    }

    internal string DatabaseFor(Tenant tenant) => Database ?? DatabasePrefix + tenant.Id;
}
