using System.Collections.Concurrent;
using System.Text;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cohort.Ingestion.Tests;

/// <summary>A sink that keeps what it is given; it can fail a number of times first, or hold until released.</summary>
internal sealed class MemorySink : IPointWriter
{
    private readonly ConcurrentQueue<(Tenant Tenant, Point Point)> _points = new();
    private readonly ConcurrentQueue<int> _writes = new();
    private int _failuresLeft;
    private TaskCompletionSource? _gate;

    public MemorySink(int failures = 0, bool blocked = false)
    {
        _failuresLeft = failures;
        if (blocked)
        {
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public Func<Tenant, PointBatch, WriteResult>? Respond { get; init; }

    public int Attempts;

    public IReadOnlyList<(Tenant Tenant, Point Point)> Points => [.. _points];

    public IReadOnlyList<int> WriteSizes => [.. _writes];

    public void Release() => _gate?.TrySetResult();

    public async ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Attempts);
        if (_gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new StoreUnavailableException("The test store is down.");
        }

        foreach (var point in batch.ToPoints())
        {
            _points.Enqueue((tenant, point));
        }

        _writes.Enqueue(batch.PointCount);
        return Respond?.Invoke(tenant, batch) ?? WriteResult.Success(batch.ValueCount);
    }

    public async Task WaitForAsync(int count, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (_points.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The sink holds {_points.Count} of {count} points.");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>A pipeline in a service provider over a temporary folder, started like a host starts it.</summary>
internal sealed class TestPipeline : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;

    private TestPipeline(ServiceProvider provider)
    {
        _provider = provider;
        _hosted = [.. provider.GetServices<IHostedService>()];
    }

    public IServiceProvider Services => _provider;

    public IIngestor Ingestor => _provider.GetRequiredService<IIngestor>();

    public static async Task<TestPipeline> StartAsync(string folder, Action<IngestionBuilder> sinks, Action<IngestionOptions>? configure = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(b => { if (Environment.GetEnvironmentVariable("TEST_LOG") is not null) { b.AddConsole(); b.SetMinimumLevel(LogLevel.Debug); } });
        collection.AddMetrics();
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        services?.Invoke(collection);
        var builder = collection.AddCohortIngestion(o =>
        {
            o.BufferDirectory = folder;
            o.BatchInterval = TimeSpan.FromMilliseconds(20);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            o.RetryMaxDelay = TimeSpan.FromMilliseconds(5);
            o.Validation.MaxFutureSkew = null;
            configure?.Invoke(o);
        });
        sinks(builder);
        var provider = collection.BuildServiceProvider();
        var pipeline = new TestPipeline(provider);
        try
        {
            // What a host does: validate options marked ValidateOnStart, then start hosted services.
            _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestionOptions>>().Value;
            var validator = provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<IngestionOptions>>();
            _ = validator.CurrentValue;
            foreach (var hosted in pipeline._hosted)
            {
                await hosted.StartAsync(CancellationToken.None);
            }
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        return pipeline;
    }

    public async Task StopAsync()
    {
        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cohort-ingestion-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS temp folder is cleaned eventually.
        }
    }
}

internal static class Messages
{
    public static readonly Tenant Tenant = new("house-1");

    public static IngestMessage Json(string json, Tenant? tenant = null, string source = "sensor-1", string contentType = "application/json") =>
        new(tenant ?? Tenant, source, contentType, Encoding.UTF8.GetBytes(json), DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    /// <summary>A JSON message of <paramref name="count"/> readings with values <paramref name="first"/>, first+1, ...</summary>
    public static IngestMessage Readings(int first, int count, Tenant? tenant = null)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            json.Append(i > 0 ? "," : string.Empty)
                .Append("{\"measurement\":\"env\",\"tags\":{\"room\":\"r").Append(n % 3).Append("\"},\"fields\":{\"n\":").Append(n)
                .Append("},\"timestamp\":").Append(1_700_000_000_000L + n).Append(",\"precision\":\"ms\"}");
        }

        return Json(json.Append(']').ToString(), tenant);
    }
}
