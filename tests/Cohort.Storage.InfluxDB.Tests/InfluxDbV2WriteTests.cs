using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Storage.InfluxDB.Tests;

/// <summary>
/// Writes through the InfluxDB 2.x <c>/api/v2/write</c> endpoint, against responses recorded from InfluxDB 2.x (this
/// machine's influxd is 1.6, which answers that path with 404): the request's shape, and how each answer maps to
/// results and errors.
/// </summary>
public sealed class InfluxDbV2WriteTests
{
    private static readonly Tenant House = new("house-1");

    // Bodies as InfluxDB 2.x sends them (the v2 error object: code + message, and line on newer servers).
    private const string Unauthorized = """{"code":"unauthorized","message":"unauthorized access"}""";
    private const string TooLarge = """{"code":"request too large","message":"unable to read data: points batch is too large"}""";
    private const string BucketNotFound = """{"code":"not found","message":"bucket \"cohort_house-1\" not found"}""";
    private const string TooManyRequests = """{"code":"too many requests","message":"org has exceeded limited_write plan limit"}""";
    private const string Unavailable = """{"code":"unavailable","message":"service unavailable"}""";

    private static InfluxDbStoreOptions V2(Action<InfluxDbStoreOptions>? configure = null)
    {
        var options = new InfluxDbStoreOptions
        {
            BaseUri = new Uri("http://influx.test:8086/"),
            ApiVersion = InfluxDbApiVersion.V2,
            Token = "s3cr3t-token",
            Organization = "my org",
            MaxRetries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(1),
        };
        configure?.Invoke(options);
        return options;
    }

    private static PointBatch Batch(params Point[] points) => PointBatch.FromPoints(points);

    private static Point P(string device, double watts, long time) => new("power", TagSet.Create(("device", device)), "watts", watts, time);

    [Fact]
    public async Task A_204_write_posts_line_protocol_with_token_org_bucket_and_precision()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        var result = await store.WriteAsync(House, Batch(P("pv", 1.5, 1_000), P("grid", -2, 2_000)));

        Assert.Equal(2, result.Written);
        Assert.True(result.IsComplete);
        var write = Assert.Single(server.Writes);
        Assert.Equal(HttpMethod.Post, write.Method);
        Assert.Equal("/api/v2/write", write.Uri.AbsolutePath);
        Assert.Equal("?org=my%20org&bucket=cohort_house-1&precision=ns", write.Uri.Query);
        Assert.Equal("Token s3cr3t-token", write.Authorization);
        Assert.Equal("text/plain; charset=utf-8", write.ContentType);
        Assert.Null(write.ContentEncoding);
        Assert.Equal("power,device=pv watts=1.5 1000\npower,device=grid watts=-2 2000\n", write.Body);
        Assert.DoesNotContain(server.Requests, r => r.Body.Contains("CREATE DATABASE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_large_body_is_gzipped_and_the_precision_follows_the_options()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(o => { o.GzipThreshold = 10; o.Precision = TimestampPrecision.Milliseconds; }), server);

        await store.WriteAsync(House, Batch(P("pv", 1.5, 3_000_000)));

        var write = Assert.Single(server.Writes);
        Assert.Equal("gzip", write.ContentEncoding);
        Assert.EndsWith("&precision=ms", write.Uri.Query);
        Assert.Equal("power,device=pv watts=1.5 3\n", write.Body);
    }

    [Fact]
    public async Task A_400_naming_a_line_rejects_that_point_and_the_rest_is_sent_again()
    {
        var server = new RecordedServer(body => body.Contains("device=bad", StringComparison.Ordinal)
            ? Respond(HttpStatusCode.BadRequest, """{"code":"invalid","message":"partial write error (2 written): unable to parse 'power,device=bad watts=1 2000': bad timestamp"}""")
            : Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        var result = await store.WriteAsync(House, Batch(P("pv", 1.5, 1_000), P("bad", 1, 2_000), P("grid", 3, 3_000)));

        Assert.Equal(2, result.Written);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.Index);
        Assert.Equal("watts", rejection.Field);
        Assert.Contains("bad timestamp", rejection.Reason);
        Assert.Equal(2, server.Writes.Count);
        Assert.Equal("power,device=pv watts=1.5 1000\npower,device=grid watts=3 3000\n", server.Writes[1].Body);
    }

    [Fact]
    public async Task A_400_giving_the_line_number_rejects_the_point_on_that_line()
    {
        var server = new RecordedServer(body => body.Contains("device=b ", StringComparison.Ordinal)
            ? Respond(HttpStatusCode.BadRequest, """{"code":"invalid","line":2,"message":"failed to parse line protocol: errors encountered on line(s): error parsing line 2 (1-based): Invalid field value"}""")
            : Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        var result = await store.WriteAsync(House, Batch(P("a", 1, 1), P("b", 2, 2), P("c", 3, 3)));

        Assert.Equal(2, result.Written);
        Assert.Equal(1, Assert.Single(result.Rejections).Index);
        Assert.Contains("error parsing line 2", result.Rejections[0].Reason);
        Assert.Equal("power,device=a watts=1 1\npower,device=c watts=3 3\n", server.Writes[^1].Body);
    }

    [Fact]
    public async Task A_422_type_conflict_rejects_the_conflicting_values()
    {
        var server = new RecordedServer(body => body.Contains("watts=7i", StringComparison.Ordinal)
            ? Respond((HttpStatusCode)422, """{"code":"unprocessable entity","message":"failure writing points to database: partial write: field type conflict: input field \"watts\" on measurement \"power\" is type integer, already exists as type float dropped=1"}""")
            : Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        var result = await store.WriteAsync(House, Batch(new Point("power", TagSet.Empty, "watts", 7L, 1), new Point("power", TagSet.Empty, "volts", 230L, 2)));

        Assert.Equal(1, result.Written);
        Assert.Contains("holds float values", Assert.Single(result.Rejections).Reason);
    }

    [Fact]
    public async Task A_401_is_a_non_transient_error_naming_the_credentials_and_is_not_retried()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.Unauthorized, Unauthorized));
        using var store = new InfluxDbPointStore(V2(), server);

        var error = await Assert.ThrowsAsync<CohortException>(() => store.WriteAsync(House, Batch(P("pv", 1, 1))).AsTask());

        Assert.False(error.IsTransient);
        Assert.Contains("refused the credentials for 'cohort_house-1': unauthorized access", error.Message);
        Assert.Single(server.Writes);
    }

    [Fact]
    public async Task A_404_for_a_missing_bucket_is_an_error_with_the_servers_message()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.NotFound, BucketNotFound));
        using var store = new InfluxDbPointStore(V2(), server);

        var error = await Assert.ThrowsAsync<CohortException>(() => store.WriteAsync(House, Batch(P("pv", 1, 1))).AsTask());

        Assert.Contains("(HTTP 404): bucket \"cohort_house-1\" not found", error.Message);
        Assert.Single(server.Writes);
    }

    [Fact]
    public async Task A_413_splits_the_body_until_the_server_accepts_it()
    {
        var server = new RecordedServer(body => body.Count(c => c == '\n') > 2 ? Respond(HttpStatusCode.RequestEntityTooLarge, TooLarge) : Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        var result = await store.WriteAsync(House, Batch([.. Enumerable.Range(0, 8).Select(i => P("d" + i, i, i))]));

        Assert.Equal(8, result.Written);
        Assert.True(result.IsComplete);
        var accepted = server.Writes.Where(w => w.Status == HttpStatusCode.NoContent).ToList();
        Assert.Equal(4, accepted.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"power,device=d{i} watts={i} {i}"), accepted.SelectMany(w => w.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task A_single_line_still_too_large_is_a_rejection_of_that_value()
    {
        var server = new RecordedServer(body => body.Contains("device=huge", StringComparison.Ordinal) ? Respond(HttpStatusCode.RequestEntityTooLarge, TooLarge) : Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        var result = await store.WriteAsync(House, Batch(P("a", 1, 1), P("huge", 2, 2)));

        Assert.Equal(1, result.Written);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.Index);
        Assert.Contains("too large (HTTP 413): unable to read data: points batch is too large", rejection.Reason);
    }

    [Theory]
    [InlineData(429, TooManyRequests)]
    [InlineData(503, Unavailable)]
    public async Task A_429_or_503_is_retried_after_the_servers_retry_after(int status, string body)
    {
        var time = new FakeTimeProvider();
        var answered = 0;
        var server = new RecordedServer(_ => Interlocked.Increment(ref answered) == 1
            ? Respond((HttpStatusCode)status, body, retryAfterSeconds: 5)
            : Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(o => o.RetryDelay = TimeSpan.FromMilliseconds(100)), server, timeProvider: time);

        var write = store.WriteAsync(House, Batch(P("pv", 1, 1))).AsTask();
        var waited = TimeSpan.Zero;
        while (!write.IsCompleted && waited < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5);
            time.Advance(TimeSpan.FromMilliseconds(250));
            waited += TimeSpan.FromMilliseconds(250);
        }

        Assert.Equal(1, (await write).Written);
        Assert.Equal(2, server.Writes.Count);
        Assert.True(waited >= TimeSpan.FromSeconds(5), $"retried after {waited}, before the 5 s the server asked for");
    }

    [Fact]
    public async Task A_server_that_stays_unavailable_gives_a_transient_error_after_the_retries()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.ServiceUnavailable, Unavailable, retryAfterSeconds: 0));
        using var store = new InfluxDbPointStore(V2(), server);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.WriteAsync(House, Batch(P("pv", 1, 1))).AsTask());

        Assert.True(error.IsTransient);
        Assert.Contains("3 attempts", error.Message);
        Assert.Contains("HTTP 503", error.Message);
        Assert.Equal(3, server.Writes.Count);
    }

    [Fact]
    public async Task A_delete_posts_the_range_before_the_cutoff_to_the_tenants_bucket_with_no_predicate()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        await store.DeleteBeforeAsync(House, 1_700_000_000_123_456_789);

        var delete = Assert.Single(server.Requests);
        Assert.Equal(HttpMethod.Post, delete.Method);
        Assert.Equal("/api/v2/delete", delete.Uri.AbsolutePath);
        Assert.Equal("?org=my%20org&bucket=cohort_house-1", delete.Uri.Query);
        Assert.Equal("Token s3cr3t-token", delete.Authorization);
        Assert.Equal("application/json; charset=utf-8", delete.ContentType);

        // Both ends are inclusive in InfluxDB 2.x: from the earliest time to one nanosecond before the cutoff.
        Assert.Equal("""{"start":"1677-09-21T00:12:43.145224194Z","stop":"2023-11-14T22:13:20.123456788Z"}""", delete.Body);
    }

    [Fact]
    public async Task A_delete_from_a_bucket_that_does_not_exist_is_not_an_error()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.NotFound, BucketNotFound));
        using var store = new InfluxDbPointStore(V2(), server);

        await store.DeleteBeforeAsync(House, 1_000);

        Assert.Equal(HttpStatusCode.NotFound, Assert.Single(server.Requests).Status);
    }

    [Fact]
    public async Task A_refused_delete_throws_with_the_servers_message()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.Unauthorized, Unauthorized));
        using var store = new InfluxDbPointStore(V2(), server);

        var error = await Assert.ThrowsAsync<CohortException>(async () => await store.DeleteBeforeAsync(House, 1_000));

        Assert.Contains("unauthorized access", error.Message, StringComparison.Ordinal);
        Assert.Contains("cohort_house-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delete_before_a_negative_cutoff_spells_the_stop_time_with_a_positive_fraction()
    {
        var server = new RecordedServer(_ => Respond(HttpStatusCode.NoContent));
        using var store = new InfluxDbPointStore(V2(), server);

        await store.DeleteBeforeAsync(House, -1_000_000_000);

        Assert.Contains("\"stop\":\"1969-12-31T23:59:58.999999999Z\"", Assert.Single(server.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCohortInfluxDB_registers_one_store_as_writer_reader_and_deleter()
    {
        await using var provider = new ServiceCollection()
            .AddCohortInfluxDB(o => o.BaseUri = new Uri("http://influx.test:8086/"))
            .BuildServiceProvider();

        var store = provider.GetRequiredService<InfluxDbPointStore>();

        Assert.Same(store, provider.GetRequiredService<IPointWriter>());
        Assert.Same(store, provider.GetRequiredService<IPointDeleter>());
    }

    private static HttpResponseMessage Respond(HttpStatusCode status, string? body = null, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(status);
        if (body is not null)
        {
            response.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return response;
    }

    /// <summary>One request as the server saw it.</summary>
    private sealed record Recorded(HttpMethod Method, Uri Uri, string? Authorization, string? ContentType, string? ContentEncoding, string Body, HttpStatusCode Status);

    /// <summary>
    /// Replays recorded InfluxDB 2.x answers: writes get what <c>answer</c> returns for their (decompressed) body;
    /// <c>/query</c> (the v1-compatible endpoint the store reads field types through) answers with no series.
    /// </summary>
    private sealed class RecordedServer(Func<string, HttpResponseMessage> answer) : HttpMessageHandler
    {
        private readonly ConcurrentQueue<Recorded> _requests = new();

        public IReadOnlyList<Recorded> Requests => [.. _requests];

        public IReadOnlyList<Recorded> Writes => [.. _requests.Where(r => r.Uri.AbsolutePath == "/api/v2/write")];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var encoding = request.Content?.Headers.ContentEncoding.FirstOrDefault();
            var body = "";
            if (request.Content is not null)
            {
                var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                if (encoding == "gzip")
                {
                    using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                    using var plain = new MemoryStream();
                    await gzip.CopyToAsync(plain, cancellationToken);
                    bytes = plain.ToArray();
                }

                body = Encoding.UTF8.GetString(bytes);
            }

            var response = request.RequestUri!.AbsolutePath == "/query"
                ? Respond(HttpStatusCode.OK, """{"results":[{"statement_id":0}]}""")
                : answer(body);
            _requests.Enqueue(new Recorded(
                request.Method,
                request.RequestUri!,
                request.Headers.Authorization?.ToString(),
                request.Content?.Headers.ContentType?.ToString(),
                encoding,
                body,
                response.StatusCode));
            return response;
        }
    }
}
