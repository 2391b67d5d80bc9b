using System.Collections.Concurrent;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cohort.Ingestion.Mqtt.Tests.Source;

/// <summary>A store in memory keyed by tenant, series and time, as real stores are: a point sent twice is one point.</summary>
internal sealed class MemoryStore : IPointWriter
{
    private readonly ConcurrentDictionary<(string Tenant, string Series, long Time), Point> _points = new();
    private volatile bool _down;

    /// <summary>The points stored, apart from the probes tests send to see that the source subscribed.</summary>
    public int Count => _points.Keys.Count(k => k.Tenant != "probe");

    public int FailedWrites;

    public IEnumerable<(string Tenant, Point Point)> Points => _points.Where(p => p.Key.Tenant != "probe").Select(p => (p.Key.Tenant, p.Value));

    public bool HasProbe => _points.Keys.Any(k => k.Tenant == "probe");

    /// <summary>While true, every write fails as an unreachable store does.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        if (_down)
        {
            Interlocked.Increment(ref FailedWrites);
            throw new StoreUnavailableException("The test store is down.");
        }

        foreach (var point in batch.ToPoints())
        {
            _points[(tenant.Id, point.Measurement + "," + point.Tags.ToCanonicalString(), point.Timestamp)] = point;
        }

        return ValueTask.FromResult(WriteResult.Success(batch.ValueCount));
    }

    public async Task WaitForCountAsync(int count)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (Count < count)
        {
            await Task.Delay(20, guard.Token);
        }
    }
}

/// <summary>Dead letters kept in memory.</summary>
internal sealed class MemoryDeadLetters : IDeadLetterStore
{
    private readonly ConcurrentQueue<DeadLetter> _entries = new();

    public IReadOnlyList<DeadLetter> Entries => [.. _entries];

    public ValueTask AddAsync(IReadOnlyList<DeadLetter> entries, CancellationToken cancellationToken = default)
    {
        foreach (var entry in entries)
        {
            _entries.Enqueue(entry);
        }

        return ValueTask.CompletedTask;
    }

    public async Task WaitForCountAsync(int count)
    {
        using var guard = new CancellationTokenSource(TestSupport.Guard);
        while (_entries.Count < count)
        {
            await Task.Delay(20, guard.Token);
        }
    }
}

/// <summary>A generic host with the ingestion pipeline, a memory store and the MQTT source, over a temp folder.</summary>
internal sealed class SourceHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _folder;

    private SourceHost(IHost host, string folder, MemoryStore store, MemoryDeadLetters deadLetters)
    {
        _host = host;
        _folder = folder;
        Store = store;
        DeadLetters = deadLetters;
    }

    public MemoryStore Store { get; }

    public MemoryDeadLetters DeadLetters { get; }

    public IServiceProvider Services => _host.Services;

    public static string NewFolder() => Path.Combine(Path.GetTempPath(), "cohort-mqtt-" + Guid.NewGuid().ToString("N")[..10]);

    public static async Task<SourceHost> StartAsync(Action<MqttSourceOptions> source, Action<IngestionOptions>? ingestion = null, Action<IServiceCollection>? services = null, string? folder = null)
    {
        folder ??= NewFolder();
        var store = new MemoryStore();
        var deadLetters = new MemoryDeadLetters();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        services?.Invoke(builder.Services);
        builder.Services.AddCohortIngestion(o =>
            {
                o.BufferDirectory = folder;
                o.BatchInterval = TimeSpan.FromMilliseconds(20);
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(100);
                o.Validation.MaxFutureSkew = null;
                ingestion?.Invoke(o);
            })
            .AddSink(store, "memory")
            .UseDeadLetterStore(deadLetters)
            .AddMqttSource(source);
        var host = builder.Build();
        await host.StartAsync();
        return new SourceHost(host, folder, store, deadLetters);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
