using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Ingestion;
using Cohort.Ingestion.DeadLetters;
using Cohort.Ingestion.Decoding;
using Cohort.Ingestion.Diagnostics;
using Cohort.Ingestion.Pipeline;
using Cohort.Ingestion.Processing;
using Cohort.Ingestion.Tenancy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cohort.Benchmarks;

/// <summary>
/// Ingestion throughput and acknowledgement latency: JSON decode → validate → durable log (fsync per batch) → an
/// in-memory sink. Per-point benchmarks use OperationsPerInvoke so the mean is the time of one point.
/// Run: dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter '*IngestionBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class IngestionBenchmarks
{
    private const int PointsPerMessage = 5_000;
    private const int AckSamples = 1_000;

    private string _folder = null!;
    private IngestMessage _message = null!;
    private IngestMessage _small = null!;
    private IngestMessage _prebuilt = null!;
    private IngestMessage _lineProtocol = null!;
    private ValidationProcessor _validation = null!;
    private IngestionPipeline _pipeline = null!;
    private CountingSink _sink = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "cohort-ingestion-bench", Guid.NewGuid().ToString("N"));
        _message = Message(PointsPerMessage);
        _small = Message(10);
        var decoded = JsonPayloadDecoder.Decode(_message).Batch;
        _prebuilt = _message with { ContentType = "application/x-prebuilt" };
        _lineProtocol = LineProtocolMessage(PointsPerMessage);
        var options = new IngestionOptions { BufferDirectory = _folder, MaxBufferBytes = 8L << 30 };
        options.Validation.RequiredTags["env"] = ["room"];
        options.Validation.FieldRanges["env.temp"] = new ValueRange(-40, 60);
        options.Validation.MaxFutureSkew = null;
        var wrapped = Options.Create(options);
        _validation = new ValidationProcessor(wrapped, TimeProvider.System);
        _sink = new CountingSink();
        var metrics = new IngestionMetrics(new StandaloneMeterFactory());
        _pipeline = new IngestionPipeline(
            options,
            [new JsonPayloadDecoder(), new LineProtocolPayloadDecoder(), new PrebuiltDecoder(decoded)],
            [_validation],
            [("memory", (IPointWriter)_sink)],
            new FileDeadLetterStore(Path.Combine(_folder, "dead-letters.jsonl")),
            new OptionsTenantAuthorizer(wrapped),
            TimeProvider.System,
            metrics,
            NullLogger.Instance);
        _pipeline.StartAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pipeline.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>JSON decode only, per point.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerMessage)]
    public int DecodeJson() => JsonPayloadDecoder.Decode(_message).Batch.PointCount;

    /// <summary>JSON decode and validation, per point.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerMessage)]
    public async Task<int> DecodeValidate()
    {
        var decoded = JsonPayloadDecoder.Decode(_message);
        var context = new ProcessingContext(_message, decoded.Batch);
        await _validation.ProcessAsync(context);
        return context.Batch.PointCount;
    }

    /// <summary>The whole path to an acknowledgement (decode, validate, log with fsync) for 5,000-point messages, per point.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerMessage)]
    public async Task<int> DecodeValidateBuffer() => (await _pipeline.IngestAsync(_message)).Accepted;

    /// <summary>The whole path to an acknowledgement for 5,000-point line protocol messages (the MQTT and edge agent format), per point.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerMessage)]
    public async Task<int> LineProtocolDecodeValidateBuffer() => (await _pipeline.IngestAsync(_lineProtocol)).Accepted;

    /// <summary>Decode → validate → log (fsync) for 8 concurrent 5,000-point line protocol messages, per point, with group commit.</summary>
    [Benchmark(OperationsPerInvoke = PointsPerMessage * 8)]
    public Task<int> LineProtocolDecodeValidateBuffer8Concurrent() => IngestConcurrently(_lineProtocol, 8);

    /// <summary>
    /// Validate → log (fsync) for 8 concurrent 5,000-point messages whose decoding is free (a pre-built batch, standing
    /// in for the line protocol fast path), per point: the pipeline's own ceiling, with group commit.
    /// </summary>
    [Benchmark(OperationsPerInvoke = PointsPerMessage * 8)]
    public Task<int> ValidateBufferPrebuilt8Concurrent() => IngestConcurrently(_prebuilt, 8);

    private async Task<int> IngestConcurrently(IngestMessage message, int count)
    {
        var tasks = new Task<IngestAck>[count];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = _pipeline.IngestAsync(message).AsTask();
        }

        var total = 0;
        foreach (var ack in await Task.WhenAll(tasks))
        {
            total += ack.Accepted;
        }

        return total;
    }

    /// <summary>
    /// 1,000 sequential 10-point messages, each acknowledged after its fsync; prints the p50/p99 acknowledgement
    /// latency of the individual messages (the mean reported is that of the whole loop).
    /// </summary>
    [Benchmark]
    public async Task AckLatencyLoop()
    {
        var samples = new double[AckSamples];
        for (var i = 0; i < samples.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await _pipeline.IngestAsync(_small);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// ack latency over {AckSamples} messages: p50 {samples[AckSamples / 2]:F3} ms, p99 {samples[(AckSamples * 99) / 100]:F3} ms, max {samples[^1]:F3} ms"));
    }

    private static IngestMessage Message(int points)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < points; i++)
        {
            json.Append(i > 0 ? "," : string.Empty).Append(CultureInfo.InvariantCulture,
                $"{{\"measurement\":\"env\",\"tags\":{{\"room\":\"r{i % 20}\",\"house\":\"h1\"}},\"fields\":{{\"temp\":{20 + (i % 10) * 0.5},\"hum\":{40 + (i % 7)}}},\"timestamp\":{1_700_000_000_000L + i},\"precision\":\"ms\"}}");
        }

        return new IngestMessage(new Tenant("house-1"), "bench", "application/json", Encoding.UTF8.GetBytes(json.Append(']').ToString()), DateTimeOffset.UnixEpoch);
    }

    private static IngestMessage LineProtocolMessage(int points)
    {
        var text = new StringBuilder();
        for (var i = 0; i < points; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"env,house=h1,room=r{i % 20} temp={20 + (i % 10) * 0.5},hum={40 + (i % 7)}i {1_700_000_000_000L + i}\n");
        }

        return new IngestMessage(new Tenant("house-1"), "bench", "text/plain; precision=ms", Encoding.UTF8.GetBytes(text.ToString()), DateTimeOffset.UnixEpoch);
    }

    private sealed class PrebuiltDecoder(PointBatch batch) : IPayloadDecoder
    {
        public bool CanDecode(string contentType) => contentType == "application/x-prebuilt";

        public ValueTask<DecodeResult> DecodeAsync(IngestMessage message, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new DecodeResult(batch, []));
    }

    private sealed class CountingSink : IPointWriter
    {
        private long _points;

        public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
        {
            Interlocked.Add(ref _points, batch.PointCount);
            return ValueTask.FromResult(WriteResult.Success(batch.ValueCount));
        }
    }
}
