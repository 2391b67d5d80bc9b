using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Cohort.Devices.Edge.Configuration;
using Cohort.Devices.Edge.Diagnostics;
using Cohort.Devices.Edge.Forwarding;
using Cohort.Devices.Polling;
using Cohort.Ingestion;
using Cohort.Ingestion.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cohort.Devices.Edge.Agent;

/// <summary>
/// The edge agent: polls every device (one <see cref="DevicePoller"/> each) into the durable log, publishes the log
/// in order over MQTT, and applies configurations received on the config topic without a restart.
/// </summary>
internal sealed class EdgeAgent : IHostedService, IAsyncDisposable
{
    /// <summary>The durable log reader the forwarder uses (its checkpoint file is named after it).</summary>
    public const string ReaderName = "mqtt";

    private readonly EdgeAgentOptions _options;
    private readonly DeviceDriverRegistry _drivers;
    private readonly IMqttMessagePublisher _publisher;
    private readonly IMqttTopicSubscriber _subscriber;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _draining = new();
    private readonly CancellationTokenSource _stopping = new();
    private DurableLog? _log;
    private DurableLogReader? _reader;
    private EdgeMetrics? _metrics;
    private Forwarder? _forwarder;
    private PollerSet? _pollers;
    private Task? _forwarderTask;
    private Task? _subscribeTask;
    private IAsyncDisposable? _subscription;
    private HouseConfiguration? _configuration;
    private Dictionary<string, string> _fingerprints = [];
    private string? _configTopic;
    private string? _statusTopic;
    private int _state; // 0 new, 1 running, 2 stopped

    public EdgeAgent(
        IOptions<EdgeAgentOptions> options,
        DeviceDriverRegistry drivers,
        IMqttMessagePublisher publisher,
        IMqttTopicSubscriber subscriber,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _drivers = drivers;
        _publisher = publisher;
        _subscriber = subscriber;
        _time = timeProvider;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _meterFactory = meterFactory;
        _logger = _loggerFactory.CreateLogger<EdgeAgent>();
    }

    /// <summary>Gets the house (tenant) the agent publishes for, once started.</summary>
    public string? House { get; private set; }

    /// <summary>Gets the configuration running now, once started.</summary>
    public HouseConfiguration? Configuration => Volatile.Read(ref _configuration);

    /// <summary>Gets the health of every running device.</summary>
    public IReadOnlyList<DeviceHealth> Health => _pollers?.Health ?? [];

    /// <summary>Gets the readings the broker acknowledged since start.</summary>
    public long Published => _forwarder?.Published ?? 0;

    /// <summary>Gets the bytes stored and not yet acknowledged by the broker.</summary>
    public long BacklogBytes => (_reader?.PendingBytes ?? 0) + (_forwarder?.InHandBytes ?? 0);

    /// <summary>Gets the configuration topic's subscription task (for tests: it completes once subscribed).</summary>
    public Task Subscribed => _subscribeTask ?? Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The edge agent has already been started.");
        }

        HouseConfiguration configuration;
        string json;
        string house;
        try
        {
            (configuration, json) = await LoadConfigurationAsync(cancellationToken).ConfigureAwait(false);
            house = _options.House ?? configuration.House ?? string.Empty;
            if (house.Length == 0 || house.AsSpan().IndexOfAny("/+#") >= 0)
            {
                throw new OptionsValidationException(nameof(EdgeAgentOptions), typeof(EdgeAgentOptions), [
                    "EdgeAgentOptions.House is required (or the configuration's \"house\") and must be one topic level, without '/', '+' or '#'."]);
            }

            var tenant = new Dictionary<string, string>(StringComparer.Ordinal) { [MqttTopicTemplate.WellKnownVariables.Tenant] = house };
            _configTopic = _options.ConfigTopic is { } config ? MqttTopicTemplate.Parse(config).Format(tenant) : null;
            _statusTopic = _options.StatusTopic is { } status ? MqttTopicTemplate.Parse(status).Format(tenant) : null;
            _log = DurableLog.Open(_options.Buffer, _time, _loggerFactory.CreateLogger<DurableLog>(), _meterFactory);
            _reader = _log.OpenReader(ReaderName);
        }
        catch
        {
            // Nothing runs yet: a later StopAsync has nothing to stop.
            _log?.Dispose();
            Volatile.Write(ref _state, 2);
            throw;
        }

        House = house;
        _metrics = new EdgeMetrics(_meterFactory, () => BacklogBytes);
        var topic = MqttTopicTemplate.Parse(_options.TopicTemplate);
        _forwarder = new Forwarder(_reader, _publisher, topic, house, _options, _metrics, _time, _logger);
        _forwarderTask = Task.Run(() => _forwarder.RunAsync(_draining.Token, _stopping.Token), CancellationToken.None);

        var sink = new StoreAndForwardSink(_log, _metrics, _logger);
        var polling = new DevicePollingOptions { Configuration = configuration, Jitter = _options.Jitter };
        _pollers = new PollerSet(_drivers, sink, polling, _time, _loggerFactory.CreateLogger<DevicePoller>());
        _fingerprints = DeviceFingerprints.Of(configuration, json);
        await _pollers.ApplyAsync(configuration, _fingerprints).ConfigureAwait(false);
        Volatile.Write(ref _configuration, configuration);

        if (_configTopic is not null)
        {
            _subscribeTask = Task.Run(() => SubscribeAsync(_configTopic, _closing.Token), CancellationToken.None);
        }

        EdgeLog.Started(_logger, house, configuration.Devices.Count, topic.Template, _reader.PendingBytes);
    }

    /// <summary>Stops taking configurations and polling, publishes the window in hand, and closes the log; the rest is published at the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        if (_subscribeTask is not null)
        {
            await _subscribeTask.ConfigureAwait(false);
        }

        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        // Wait for a configuration being applied, so that no poller starts after this point.
        await _applyGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _pollers!.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _applyGate.Release();
        }

        // Publish the window in hand, then stop; give up when the host's stop time is over.
        await _draining.CancelAsync().ConfigureAwait(false);
        try
        {
            await _forwarderTask!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _forwarderTask!.ConfigureAwait(false);
        }

        EdgeLog.Stopped(_logger, _reader!.PendingBytes);
        _reader.Dispose();
        _log!.Dispose();
        _metrics!.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _closing.Dispose();
        _draining.Dispose();
        _stopping.Dispose();
        _applyGate.Dispose();
    }

    /// <summary>Handles one message of the configuration topic: validate, write atomically, apply; or reject and keep the running one.</summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A failure to apply is logged, counted and reported; the agent keeps running.")]
    internal async ValueTask OnConfigurationAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _state) != 1)
            {
                return;
            }

            var json = Encoding.UTF8.GetString(message.Payload.Span);
            var problems = Check(json, out var configuration);
            if (problems.Count > 0)
            {
                _metrics!.ConfigUpdate("rejected");
                EdgeLog.ConfigurationRejected(_logger, message.Topic, string.Join("; ", problems));
                await ReportAsync(new ConfigurationStatus("rejected") { Problems = [.. problems.Select(static p => new ProblemStatus(p.Path, p.Message))] }, cancellationToken).ConfigureAwait(false);
                return;
            }

            var fingerprints = DeviceFingerprints.Of(configuration!, json);
            if (fingerprints.Count == _fingerprints.Count && fingerprints.All(p => _fingerprints.TryGetValue(p.Key, out var f) && string.Equals(f, p.Value, StringComparison.Ordinal)))
            {
                _metrics!.ConfigUpdate("unchanged");
                EdgeLog.ConfigurationUnchanged(_logger, message.Topic);
                await ReportAsync(new ConfigurationStatus("unchanged") { Devices = configuration!.Devices.Count }, cancellationToken).ConfigureAwait(false);
                return;
            }

            await ConfigurationFile.WriteAtomicallyAsync(_options.ConfigurationPath, json, cancellationToken).ConfigureAwait(false);
            var changes = await _pollers!.ApplyAsync(configuration!, fingerprints).ConfigureAwait(false);
            _fingerprints = fingerprints;
            Volatile.Write(ref _configuration, configuration);
            _metrics!.ConfigUpdate("applied");
            EdgeLog.ConfigurationApplied(_logger, message.Topic, configuration!.Devices.Count, string.Join(", ", changes.Restarted), string.Join(", ", changes.Stopped));
            await ReportAsync(
                new ConfigurationStatus("applied") { Devices = configuration.Devices.Count, Started = changes.Started, Restarted = changes.Restarted, Stopped = changes.Stopped },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics?.ConfigUpdate("failed");
            EdgeLog.ConfigurationFailed(_logger, ex, message.Topic);
            await ReportAsync(new ConfigurationStatus("failed") { Problems = [new ProblemStatus("$", ex.Message)] }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    private List<ConfigurationProblem> Check(string json, out HouseConfiguration? configuration)
    {
        configuration = null;
        try
        {
            configuration = HouseConfiguration.Parse(json, _drivers);
        }
        catch (DeviceConfigurationException ex)
        {
            return [.. ex.Problems];
        }

        if (configuration.House is { } house && !string.Equals(house, House, StringComparison.Ordinal))
        {
            return [new ConfigurationProblem("$.house", $"is '{house}' but this agent serves house '{House}'")];
        }

        return [];
    }

    private async Task<(HouseConfiguration Configuration, string Json)> LoadConfigurationAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(_options.ConfigurationPath))
        {
            var json = await File.ReadAllTextAsync(_options.ConfigurationPath, cancellationToken).ConfigureAwait(false);
            return (HouseConfiguration.Parse(json, _drivers), json);
        }

        if (_options.Configuration is { } configuration)
        {
            var problems = configuration.Validate(_drivers);
            return problems.Count > 0 ? throw new DeviceConfigurationException(problems) : (configuration, configuration.ToJson());
        }

        throw new FileNotFoundException(
            $"The edge agent's configuration file '{Path.GetFullPath(_options.ConfigurationPath)}' does not exist and EdgeAgentOptions.Configuration is not set.",
            _options.ConfigurationPath);
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Subscribing is retried with backoff until it succeeds or the agent stops; every failure is logged.")]
    private async Task SubscribeAsync(string topic, CancellationToken stopping)
    {
        var delay = _options.RetryMinDelay;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                _subscription = await _subscriber.SubscribeAsync(topic, OnConfigurationAsync, stopping).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                EdgeLog.SubscribeFailed(_logger, ex, topic, delay);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = delay * 2 > _options.RetryMaxDelay ? _options.RetryMaxDelay : delay * 2;
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "The status topic is informational: a failure to publish it is logged.")]
    private async Task ReportAsync(ConfigurationStatus status, CancellationToken cancellationToken)
    {
        if (_statusTopic is null)
        {
            return;
        }

        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(status, StatusJson.Options);
            await _publisher.PublishAsync(_statusTopic, payload, "application/json", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            EdgeLog.StatusFailed(_logger, ex, _statusTopic);
        }
    }
}
