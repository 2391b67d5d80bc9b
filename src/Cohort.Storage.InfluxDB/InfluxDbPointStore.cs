using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cohort.Core;
using Cohort.Storage.InfluxDB.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Storage.InfluxDB;

/// <summary>
/// A Cohort store on InfluxDB's HTTP API: writes line protocol (v1 <c>/write</c> or v2 <c>/api/v2/write</c>), reads
/// with InfluxQL (<c>/query</c>, chunked), one database (or bucket) per tenant, held to the Cohort store contract
/// (docs/storage.md, "InfluxDB adapter"). Retention: <see cref="DeleteBeforeAsync"/> deletes a tenant's points
/// before a cutoff (InfluxQL <c>DELETE</c> on 1.x, <c>/api/v2/delete</c> on 2.x).
/// </summary>
/// <remarks>
/// Thread-safe. Writes of one tenant are serialised in process (the field-kind checks need one writer's view);
/// writes of different tenants and all reads run concurrently. Disposing waits for writes in flight.
/// </remarks>
public sealed class InfluxDbPointStore : IPointWriter, IPointReader, IPointDeleter, IAsyncDisposable, IDisposable
{
    private const long MinTimestamp = -9_223_372_036_854_775_806;
    private const long MaxTimestamp = 9_223_372_036_854_775_806;
    private const string UnsignedMeasurement = "unsigned_fields";

    private readonly InfluxDbStoreOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Uri _base;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Dictionary<(string Measurement, string Field), FieldKind>> _kinds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _databases = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private int _activeWrites;
    private bool _disposed;
    private TaskCompletionSource? _idle;

    /// <summary>Creates a store; it owns an <see cref="HttpClient"/> on a pooled <see cref="SocketsHttpHandler"/>.</summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public InfluxDbPointStore(InfluxDbStoreOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(options, null, loggerFactory, timeProvider)
    {
    }

    internal InfluxDbPointStore(InfluxDbStoreOptions options, HttpMessageHandler? handler, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _options = options;
        _logger = (ILogger?)loggerFactory?.CreateLogger<InfluxDbPointStore>() ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        var text = options.BaseUri.AbsoluteUri;
        _base = new Uri(text.EndsWith('/') ? text : text + "/");
        handler ??= new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.GZip,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.ValueCount == 0)
        {
            return new WriteResult(0, []);
        }

        return await ExclusiveAsync(tenant, async database =>
        {
            await EnsureDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
            if (!_kinds.TryGetValue(database, out var kinds))
            {
                kinds = await LoadKindsAsync(database, cancellationToken).ConfigureAwait(false);
                _kinds[database] = kinds;
            }

            try
            {
                return await WriteCoreAsync(database, kinds, batch, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The cache may hold kinds of values that never landed: learn them again from the server.
                _kinds.TryRemove(database, out _);
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ReadCoreAsync(_options.DatabaseFor(tenant), query, cancellationToken);
    }

    /// <summary>
    /// Deletes every point of the tenant's database (v2: bucket) before <paramref name="before"/> (Unix nanoseconds),
    /// in every measurement: InfluxQL <c>DELETE WHERE time &lt; before</c> on 1.x, <c>POST /api/v2/delete</c> over
    /// [1677-09-21, before - 1 ns] (both ends inclusive) with no predicate on 2.x, since the bucket is the tenant's.
    /// Waits for the tenant's writes in flight. A database or bucket that does not exist is not an error. With
    /// <see cref="InfluxDbStoreOptions.Database"/> set, every tenant shares that database and this deletes from it.
    /// </summary>
    /// <exception cref="StoreUnavailableException">InfluxDB cannot be reached.</exception>
    /// <exception cref="CohortException">InfluxDB refused the deletion.</exception>
    public async ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        if (tenant.Id is null)
        {
            throw new ArgumentException("The tenant is default(Tenant); create one with new Tenant(id).", nameof(tenant));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (before <= MinTimestamp)
        {
            return; // nothing can be stored before the earliest timestamp
        }

        await ExclusiveAsync(tenant, async database =>
        {
            if (_options.ApiVersion == InfluxDbApiVersion.V2)
            {
                await DeleteV2Async(database, before, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var statement = "DELETE WHERE time < " + Math.Min(before, MaxTimestamp + 1).ToString(CultureInfo.InvariantCulture);
                await QueryRowsAsync(database, statement, cancellationToken).ConfigureAwait(false);
            }

            // Measurements left empty may forget their fields: learn the kinds again from the server.
            _kinds.TryRemove(database, out _);
            Log.Deleted(_logger, database, before);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a change to a tenant's database alone among this process's changes to it (writes, deletions), counted as
    /// in flight for <see cref="DisposeAsync"/>.
    /// </summary>
    private async Task<T> ExclusiveAsync<T>(Tenant tenant, Func<string, Task<T>> operation, CancellationToken cancellationToken)
    {
        EnterWrite();
        try
        {
            var database = _options.DatabaseFor(tenant);
            var gate = _gates.GetOrAdd(database, static _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await operation(database).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }
        finally
        {
            ExitWrite();
        }
    }

    private async Task DeleteV2Async(string bucket, long before, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["start"] = InfluxQl.Rfc3339Nano(MinTimestamp),
            ["stop"] = InfluxQl.Rfc3339Nano(Math.Min(before - 1, MaxTimestamp)),
        });
        var uri = new Uri(_base, $"api/v2/delete?org={Uri.EscapeDataString(_options.Organization!)}&bucket={Uri.EscapeDataString(bucket)}");
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") },
            streaming: false,
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return; // no bucket: nothing was ever written for this tenant
        }

        if (!response.IsSuccessStatusCode)
        {
            var message = WriteErrors.MessageOf(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            throw new CohortException($"InfluxDB at {_base} refused to delete from '{bucket}' (HTTP {(int)response.StatusCode}): {message}");
        }
    }

    /// <summary>Waits for writes in flight, then releases the HTTP client.</summary>
    public async ValueTask DisposeAsync()
    {
        Task idle;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_activeWrites == 0)
            {
                idle = Task.CompletedTask;
            }
            else
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                idle = _idle.Task;
            }
        }

        await idle.ConfigureAwait(false);
        _http.Dispose();
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }

    /// <summary>Waits for writes in flight (blocking), then releases the HTTP client.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void EnterWrite()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _activeWrites++;
        }
    }

    private void ExitWrite()
    {
        lock (_sync)
        {
            if (--_activeWrites == 0)
            {
                _idle?.TrySetResult();
            }
        }
    }

    // ---- Writes ---------------------------------------------------------------------------------------------------

    private async Task<WriteResult> WriteCoreAsync(string database, Dictionary<(string, string), FieldKind> kinds, PointBatch batch, CancellationToken cancellationToken)
    {
        var rejections = new SortedDictionary<int, Rejection>();
        var accepted = new List<int>(batch.ValueCount);
        var newUnsigned = new List<(string Measurement, string Field)>();
        var seriesProblems = new Dictionary<int, string?>();
        var divisor = Divisor(_options.Precision);
        var seriesIds = batch.SeriesIds;
        var fieldIds = batch.FieldIds;
        var timestamps = batch.Timestamps;
        for (var row = 0; row < batch.ValueCount; row++)
        {
            var series = batch.GetSeries(seriesIds[row]);
            var field = batch.GetFieldKey(fieldIds[row]);
            var value = batch.GetValue(row);
            var time = timestamps[row];
            if (!seriesProblems.TryGetValue(seriesIds[row], out var problem))
            {
                problem = LineEncoder.ProblemWithName(series.Measurement, "measurement");
                foreach (var tag in series.Tags)
                {
                    problem ??= LineEncoder.ProblemWithName(tag.Key, "tag key") ?? LineEncoder.ProblemWithName(tag.Value, "tag value");
                }

                seriesProblems[seriesIds[row]] = problem;
            }

            problem ??= LineEncoder.ProblemWithName(field, "field key");
            if (problem is null && value.Kind == FieldKind.Double && !double.IsFinite(value.AsDouble()))
            {
                problem = $"Field '{field}' is {value.AsDouble().ToString(CultureInfo.InvariantCulture)}; InfluxDB stores finite numbers only.";
            }

            if (problem is null && (time < MinTimestamp || time > MaxTimestamp))
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"Timestamp {time} is outside InfluxDB's range {MinTimestamp} to {MaxTimestamp}.");
            }

            if (problem is null && time % divisor != 0)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"Timestamp {time} is finer than the store's precision ({_options.Precision}).");
            }

            if (problem is null)
            {
                if (kinds.TryGetValue((series.Measurement, field), out var kind))
                {
                    if (kind != value.Kind)
                    {
                        problem = $"Field '{field}' of measurement '{series.Measurement}' holds {kind} values; a {value.Kind} value cannot be stored.";
                    }
                }
                else
                {
                    kinds[(series.Measurement, field)] = value.Kind;
                    if (value.Kind == FieldKind.UInt64)
                    {
                        newUnsigned.Add((series.Measurement, field));
                    }
                }
            }

            if (problem is null)
            {
                accepted.Add(row);
            }
            else
            {
                rejections[row] = new Rejection(problem) { Index = row, Field = field };
            }
        }

        if (newUnsigned.Count > 0)
        {
            await RecordUnsignedAsync(database, newUnsigned, cancellationToken).ConfigureAwait(false);
        }

        for (var start = 0; start < accepted.Count; start += _options.BatchSize)
        {
            var chunk = accepted.GetRange(start, Math.Min(_options.BatchSize, accepted.Count - start));
            await SendChunkAsync(database, kinds, batch, chunk, rejections, cancellationToken).ConfigureAwait(false);
        }

        var written = batch.ValueCount - rejections.Count;
        Log.BatchWritten(_logger, database, written, rejections.Count);
        return new WriteResult(written, [.. rejections.Values]);
    }

    private async Task SendChunkAsync(string database, Dictionary<(string, string), FieldKind> kinds, PointBatch batch, List<int> rows, SortedDictionary<int, Rejection> rejections, CancellationToken cancellationToken)
    {
        var seriesText = new Dictionary<int, string>();
        for (var round = 0; rows.Count > 0; round++)
        {
            var body = new StringBuilder(rows.Count * 48);
            foreach (var row in rows)
            {
                AppendLine(body, batch, row, seriesText);
                body.Append('\n');
            }

            var bytes = Encoding.UTF8.GetBytes(body.ToString());
            body.Clear();
            var gzip = _options.GzipThreshold is { } threshold && bytes.Length >= threshold;
            if (gzip)
            {
                bytes = Gzip(bytes);
            }

            using var response = await SendAsync(
                () =>
                {
                    var content = new ByteArrayContent(bytes);
                    content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
                    if (gzip)
                    {
                        content.Headers.ContentEncoding.Add("gzip");
                    }

                    return new HttpRequestMessage(HttpMethod.Post, WriteUri(database)) { Content = content };
                },
                streaming: false,
                cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var responseBody = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var message = WriteErrors.MessageOf(responseBody);
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                await SendHalvesAsync(database, kinds, batch, rows, rejections, message, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (response.StatusCode == HttpStatusCode.NotFound && message.Contains("database not found", StringComparison.OrdinalIgnoreCase) && _options.ApiVersion == InfluxDbApiVersion.V1 && round < 8)
            {
                _databases.TryRemove(database, out _);
                await EnsureDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new CohortException($"InfluxDB at {_base} refused the credentials for '{database}': {message}");
            }

            // 400: lines InfluxDB could not parse or store; 422 (v2): points refused for their schema.
            if (response.StatusCode is not (HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity) || round >= 16)
            {
                throw new CohortException($"InfluxDB at {_base} refused a write to '{database}' (HTTP {(int)response.StatusCode}): {message}");
            }

            var bad = MapRefusedRows(WriteErrors.Parse(message), kinds, batch, rows, seriesText, rejections);
            if (bad.Count == 0 && WriteErrors.LineOf(responseBody) is { } line && line >= 1 && line <= rows.Count)
            {
                // A v2 body naming the refused line by number (1-based in the request body, one row a line).
                var row = rows[line - 1];
                bad.Add(row);
                rejections[row] = new Rejection($"InfluxDB refused the value: {message}") { Index = row, Field = batch.GetFieldKey(batch.FieldIds[row]) };
            }

            if (bad.Count == 0)
            {
                throw new CohortException($"InfluxDB at {_base} refused a write to '{database}' and named no line of it: {message}");
            }

            Log.LinesRefused(_logger, bad.Count, database, message);

            // Writes are idempotent: sending the good lines again is harmless whether or not the server kept them.
            rows = rows.Where(row => !bad.Contains(row)).ToList();
        }
    }

    /// <summary>
    /// A body too large for the server (HTTP 413): sends each half on its own, down to single lines; a single line
    /// still too large is a rejection of that value.
    /// </summary>
    private async Task SendHalvesAsync(string database, Dictionary<(string, string), FieldKind> kinds, PointBatch batch, List<int> rows, SortedDictionary<int, Rejection> rejections, string message, CancellationToken cancellationToken)
    {
        if (rows.Count == 1)
        {
            var row = rows[0];
            rejections[row] = new Rejection($"InfluxDB refused the line as too large (HTTP 413): {message}") { Index = row, Field = batch.GetFieldKey(batch.FieldIds[row]) };
            return;
        }

        Log.Splitting(_logger, rows.Count, database);
        var half = rows.Count / 2;
        await SendChunkAsync(database, kinds, batch, rows.GetRange(0, half), rejections, cancellationToken).ConfigureAwait(false);
        await SendChunkAsync(database, kinds, batch, rows.GetRange(half, rows.Count - half), rejections, cancellationToken).ConfigureAwait(false);
    }

    private HashSet<int> MapRefusedRows(WriteError error, Dictionary<(string, string), FieldKind> kinds, PointBatch batch, List<int> rows, Dictionary<int, string> seriesText, SortedDictionary<int, Rejection> rejections)
    {
        var bad = new HashSet<int>();
        if (error.Unparsable.Count > 0)
        {
            var line = new StringBuilder();
            foreach (var row in rows)
            {
                line.Clear();
                AppendLine(line, batch, row, seriesText);
                var text = line.ToString();
                foreach (var (refused, reason) in error.Unparsable)
                {
                    if (string.Equals(text, refused, StringComparison.Ordinal) && bad.Add(row))
                    {
                        rejections[row] = new Rejection($"InfluxDB could not store the value: {reason}") { Index = row, Field = batch.GetFieldKey(batch.FieldIds[row]) };
                    }
                }
            }
        }

        foreach (var conflict in error.Conflicts)
        {
            kinds[(conflict.Measurement, conflict.Field)] = conflict.Existing;
            foreach (var row in rows)
            {
                var kind = batch.Kinds[row] == FieldKind.UInt64 ? FieldKind.Int64 : batch.Kinds[row];
                if (kind == conflict.Input &&
                    batch.GetFieldKey(batch.FieldIds[row]) == conflict.Field &&
                    batch.GetSeries(batch.SeriesIds[row]).Measurement == conflict.Measurement &&
                    bad.Add(row))
                {
                    rejections[row] = new Rejection(conflict.Reason) { Index = row, Field = conflict.Field };
                }
            }
        }

        return bad;
    }

    private void AppendLine(StringBuilder builder, PointBatch batch, int row, Dictionary<int, string> seriesText)
    {
        var seriesId = batch.SeriesIds[row];
        if (!seriesText.TryGetValue(seriesId, out var text))
        {
            var series = new StringBuilder();
            LineEncoder.AppendSeries(series, batch.GetSeries(seriesId));
            seriesText[seriesId] = text = series.ToString();
        }

        builder.Append(text).Append(' ');
        LineEncoder.AppendName(builder, batch.GetFieldKey(batch.FieldIds[row]));
        builder.Append('=');
        LineEncoder.AppendValue(builder, batch.GetValue(row));
        builder.Append(' ').Append((batch.Timestamps[row] / Divisor(_options.Precision)).ToString(CultureInfo.InvariantCulture));
    }

    private async Task RecordUnsignedAsync(string database, List<(string Measurement, string Field)> fields, CancellationToken cancellationToken)
    {
        var metadata = _options.MetadataDatabase;
        await EnsureDatabaseAsync(metadata, cancellationToken).ConfigureAwait(false);
        var batch = new PointBatch();
        foreach (var (measurement, field) in fields)
        {
            batch.Add(new Point(UnsignedMeasurement, TagSet.Create(("database", database), ("measurement", measurement), ("field", field)), "uint", true, 0));
        }

        var rows = Enumerable.Range(0, batch.ValueCount).ToList();
        var rejections = new SortedDictionary<int, Rejection>();
        await SendChunkAsync(metadata, [], batch, rows, rejections, cancellationToken).ConfigureAwait(false);
        if (rejections.Count > 0)
        {
            throw new CohortException($"InfluxDB at {_base} refused the field kinds for '{database}': {rejections.Values.First().Reason}");
        }
    }

    private async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        if (_options.ApiVersion == InfluxDbApiVersion.V2 || _databases.ContainsKey(database))
        {
            return;
        }

        // CREATE DATABASE is idempotent in InfluxDB 1.x.
        await foreach (var document in QueryAsync(null, "CREATE DATABASE " + InfluxQl.Identifier(database), chunked: false, cancellationToken).ConfigureAwait(false))
        {
            using (document)
            {
                foreach (var _ in SeriesOf(document))
                {
                }
            }
        }

        if (_databases.TryAdd(database, true))
        {
            Log.DatabaseCreated(_logger, database);
        }
    }

    private static long Divisor(TimestampPrecision precision) => precision switch
    {
        TimestampPrecision.Microseconds => 1_000,
        TimestampPrecision.Milliseconds => 1_000_000,
        TimestampPrecision.Seconds => 1_000_000_000,
        _ => 1,
    };

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream(bytes.Length / 4);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private Uri WriteUri(string database)
    {
        var precision = _options.Precision switch
        {
            TimestampPrecision.Microseconds => "u",
            TimestampPrecision.Milliseconds => "ms",
            TimestampPrecision.Seconds => "s",
            _ => "ns",
        };
        var relative = _options.ApiVersion == InfluxDbApiVersion.V2
            ? $"api/v2/write?org={Uri.EscapeDataString(_options.Organization!)}&bucket={Uri.EscapeDataString(database)}&precision={precision}"
            : $"write?db={Uri.EscapeDataString(database)}&precision={precision}";
        return new Uri(_base, relative);
    }

    // ---- HTTP -----------------------------------------------------------------------------------------------------

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> createRequest, bool streaming, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string problem;
            Exception? inner = null;
            TimeSpan? retryAfter = null;
            using (var timeout = new CancellationTokenSource(_options.RequestTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                using var request = createRequest();
                Authorize(request);
                try
                {
                    var response = await _http.SendAsync(request, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
                    var code = (int)response.StatusCode;
                    if (code != 429 && code < 500)
                    {
                        return response;
                    }

                    problem = string.Create(CultureInfo.InvariantCulture, $"HTTP {code} {response.ReasonPhrase}");
                    retryAfter = RetryAfterOf(response);
                    response.Dispose();
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    problem = $"no answer within {_options.RequestTimeout}";
                    inner = exception;
                }
                catch (HttpRequestException exception)
                {
                    problem = exception.Message;
                    inner = exception;
                }
            }

            if (attempt >= _options.MaxRetries)
            {
                Log.Unavailable(_logger, _base, problem);
                throw new StoreUnavailableException($"InfluxDB at {_base} is unavailable ({attempt + 1} attempts): {problem}", inner);
            }

            var delay = retryAfter ?? _options.RetryDelay * Math.Pow(2, attempt);
            delay = delay > _options.MaxRetryDelay ? _options.MaxRetryDelay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
            Log.Retrying(_logger, problem, attempt + 1, delay);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        return header.Delta ?? (header.Date is { } date ? date - _time.GetUtcNow() : null);
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (_options.ApiVersion == InfluxDbApiVersion.V2)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", _options.Token);
        }
        else if (_options.Username is not null)
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(_options.Username + ":" + _options.Password));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }
    }

    // ---- Queries --------------------------------------------------------------------------------------------------

    /// <summary>Runs an InfluxQL query; yields one JSON document per chunk (the caller disposes each).</summary>
    private async IAsyncEnumerable<JsonDocument> QueryAsync(string? database, string query, bool chunked, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("q", query), new("epoch", "ns") };
        if (database is not null)
        {
            form.Add(new("db", database));
        }

        if (chunked)
        {
            form.Add(new("chunked", "true"));
            form.Add(new("chunk_size", _options.QueryChunkSize.ToString(CultureInfo.InvariantCulture)));
        }

        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "query")) { Content = new FormUrlEncodedContent(form) },
            streaming: true,
            cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var message = WriteErrors.MessageOf(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            throw new CohortException($"InfluxDB at {_base} refused the query (HTTP {(int)response.StatusCode}): {message}");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? line;
            while ((line = await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false)) is not null)
            {
                if (line.Length > 0)
                {
                    yield return JsonDocument.Parse(line);
                }
            }
        }
    }

    private async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            throw new StoreUnavailableException($"InfluxDB at {_base} went away while a query streamed: {exception.Message}", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new StoreUnavailableException($"InfluxDB at {_base} went away while a query streamed: {exception.Message}", exception);
        }
    }

    /// <summary>The series objects of a chunk; a missing database is no series, other errors throw.</summary>
    private IEnumerable<JsonElement> SeriesOf(JsonDocument document)
    {
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var topError))
        {
            throw new CohortException($"InfluxDB at {_base} failed a query: {topError}");
        }

        if (!root.TryGetProperty("results", out var results))
        {
            yield break;
        }

        foreach (var result in results.EnumerateArray())
        {
            if (result.TryGetProperty("error", out var error))
            {
                var message = error.GetString() ?? "";
                if (message.StartsWith("database not found", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new CohortException($"InfluxDB at {_base} failed a query: {message}");
            }

            if (result.TryGetProperty("series", out var series))
            {
                foreach (var item in series.EnumerateArray())
                {
                    yield return item;
                }
            }
        }
    }

    private async Task<List<JsonElement[]>> QueryRowsAsync(string? database, string query, CancellationToken cancellationToken, Action<JsonElement, JsonElement>? perRow = null)
    {
        var rows = new List<JsonElement[]>();
        await foreach (var document in QueryAsync(database, query, chunked: false, cancellationToken).ConfigureAwait(false))
        {
            using (document)
            {
                foreach (var series in SeriesOf(document))
                {
                    if (!series.TryGetProperty("values", out var values))
                    {
                        continue;
                    }

                    foreach (var row in values.EnumerateArray())
                    {
                        if (perRow is null)
                        {
                            rows.Add([.. row.EnumerateArray().Select(e => e.Clone())]);
                        }
                        else
                        {
                            perRow(series, row);
                        }
                    }
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Each field's kind per measurement: <c>SHOW FIELD KEYS</c> (float, integer, string, boolean), with the fields
    /// recorded as unsigned in the metadata database read back as <see cref="FieldKind.UInt64"/>.
    /// </summary>
    private async Task<Dictionary<(string, string), FieldKind>> LoadKindsAsync(string database, CancellationToken cancellationToken)
    {
        var kinds = new Dictionary<(string, string), FieldKind>();
        await QueryRowsAsync(database, "SHOW FIELD KEYS", cancellationToken, (series, row) =>
        {
            var measurement = series.GetProperty("name").GetString()!;
            if (WriteErrors.KindOf(row[1].GetString() ?? "") is { } kind)
            {
                kinds.TryAdd((measurement, row[0].GetString()!), kind);
            }
        }).ConfigureAwait(false);
        if (kinds.Count == 0)
        {
            return kinds;
        }

        var query = $"SELECT \"uint\" FROM {InfluxQl.Identifier(UnsignedMeasurement)} WHERE \"database\" = {InfluxQl.Literal(database)} GROUP BY \"measurement\", \"field\"";
        await QueryRowsAsync(_options.MetadataDatabase, query, cancellationToken, (series, _) =>
        {
            var tags = series.GetProperty("tags");
            var key = (tags.GetProperty("measurement").GetString()!, tags.GetProperty("field").GetString()!);
            if (kinds.TryGetValue(key, out var kind) && kind == FieldKind.Int64)
            {
                kinds[key] = FieldKind.UInt64;
            }
        }).ConfigureAwait(false);
        return kinds;
    }

    // ---- Reads ----------------------------------------------------------------------------------------------------

    private async IAsyncEnumerable<Point> ReadCoreAsync(string database, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var range = query.Range;
        if (range.IsEmpty || range.End <= MinTimestamp || range.Start > MaxTimestamp)
        {
            yield break;
        }

        var timeClause = string.Create(
            CultureInfo.InvariantCulture,
            $"time >= {Math.Max(range.Start, MinTimestamp)} AND {(range.End > MaxTimestamp ? $"time <= {MaxTimestamp}" : $"time < {range.End}")}");
        var tagClause = string.Concat(query.TagFilters.Select(t => $" AND {InfluxQl.Identifier(t.Key)} = {InfluxQl.Literal(t.Value)}"));

        // The series first (their number, not the points, bounds this list), sorted into the contract's order; then
        // each series streamed in time order.
        var show = "SHOW SERIES" + (query.Measurement is null ? "" : " FROM " + InfluxQl.Identifier(query.Measurement)) +
                   (tagClause.Length == 0 ? "" : " WHERE " + tagClause[5..]);
        var series = new List<SeriesKey>();
        await QueryRowsAsync(database, show, cancellationToken, (_, row) => series.Add(InfluxQl.ParseSeriesKey(row[0].GetString()!))).ConfigureAwait(false);
        if (series.Count == 0)
        {
            yield break;
        }

        var kinds = await LoadKindsAsync(database, cancellationToken).ConfigureAwait(false);
        series.Sort(SeriesKey.StoreOrder);

        string? measurement = null;
        List<string> tagKeys = [];
        string? selection = null;
        foreach (var key in series)
        {
            if (key.Measurement != measurement)
            {
                measurement = key.Measurement;
                var m = measurement;
                tagKeys.Clear();
                await QueryRowsAsync(database, "SHOW TAG KEYS FROM " + InfluxQl.Identifier(m), cancellationToken, (_, row) => tagKeys.Add(row[0].GetString()!)).ConfigureAwait(false);
                selection = query.Fields.IsDefaultOrEmpty
                    ? "*"
                    : string.Join(", ", query.Fields.Where(f => kinds.ContainsKey((m, f))).Select(InfluxQl.Identifier));
            }

            if (string.IsNullOrEmpty(selection))
            {
                continue;
            }

            var where = new StringBuilder(timeClause);
            foreach (var tagKey in tagKeys)
            {
                where.Append(" AND ").Append(InfluxQl.Identifier(tagKey)).Append(" = ").Append(InfluxQl.Literal(key.Tags[tagKey] ?? ""));
            }

            var select = $"SELECT {selection} FROM {InfluxQl.Identifier(key.Measurement)} WHERE {where} GROUP BY *";
            await foreach (var document in QueryAsync(database, select, chunked: true, cancellationToken).ConfigureAwait(false))
            {
                List<Point> points;
                using (document)
                {
                    points = PointsOf(document, key, kinds);
                }

                foreach (var point in points)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return point;
                }
            }
        }
    }

    /// <summary>The points of one chunk (at most the chunk size).</summary>
    private List<Point> PointsOf(JsonDocument document, SeriesKey key, Dictionary<(string, string), FieldKind> kinds)
    {
        var points = new List<Point>();
        foreach (var series in SeriesOf(document))
        {
            var columns = series.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            if (!series.TryGetProperty("values", out var values))
            {
                continue;
            }

            var fields = new List<Field>(columns.Length);
            foreach (var row in values.EnumerateArray())
            {
                fields.Clear();
                long time = 0;
                var column = 0;
                foreach (var cell in row.EnumerateArray())
                {
                    if (column == 0)
                    {
                        time = cell.GetInt64();
                    }
                    else if (cell.ValueKind != JsonValueKind.Null)
                    {
                        kinds.TryGetValue((key.Measurement, columns[column]), out var kind);
                        fields.Add(new Field(columns[column], ValueOf(cell, kinds.ContainsKey((key.Measurement, columns[column])) ? kind : null)));
                    }

                    column++;
                }

                if (fields.Count > 0)
                {
                    fields.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
                    points.Add(new Point(key, fields.ToArray(), time));
                }
            }
        }

        return points;
    }

    /// <summary>
    /// A JSON value as the field's kind: InfluxQL's JSON has no int/float distinction (a float 2.0 comes as <c>2</c>),
    /// so the kind comes from <c>SHOW FIELD KEYS</c> and the unsigned-field records; the JSON type decides only for a
    /// field of unknown kind, or one whose value does not fit its recorded kind.
    /// </summary>
    private static FieldValue ValueOf(JsonElement cell, FieldKind? kind)
    {
        switch (cell.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                return cell.GetString()!;
            default:
                var raw = cell.GetRawText();
                if (kind == FieldKind.UInt64 && cell.TryGetInt64(out var bits))
                {
                    return unchecked((ulong)bits);
                }

                if ((kind == FieldKind.Int64 || kind is null) && cell.TryGetInt64(out var integer))
                {
                    return integer;
                }

                return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }

}
