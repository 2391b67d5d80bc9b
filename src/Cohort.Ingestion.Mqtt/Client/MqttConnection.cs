using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Cohort.Ingestion.Mqtt.Client;

/// <summary>
/// The reconnecting MQTT 5 connection behind <see cref="IMqttConnection"/>: a supervisor task connects, renews the
/// subscriptions and waits for the next drop; received messages are copied, handed to their subscription's worker,
/// and acknowledged (PUBACK) in arrival order once every handler they went to has returned.
/// </summary>
internal sealed class MqttConnection : IMqttConnection
{
    private readonly MqttConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MqttMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly CancellationTokenSource _disposing = new();
    private readonly SemaphoreSlim _dropped = new(0);
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<uint, Subscription> _subscriptions = new();
    private readonly Channel<PendingAck> _acks = Channel.CreateUnbounded<PendingAck>(new UnboundedChannelOptions { SingleReader = true });
    private TaskCompletionSource _connected = NewSignal();
    private Task? _supervisor;
    private Task? _acknowledger;
    private Exception? _lastError;
    private int _generation;
    private int _nextSubscriptionId;
    private int _disposed;

    public MqttConnection(MqttConnectionOptions options, TimeProvider timeProvider, ILogger logger, MqttMetrics metrics, bool ownsMetrics)
    {
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _ownsMetrics = ownsMetrics;
        ClientId = options.ClientId ?? "cohort-" + Guid.NewGuid().ToString("N")[..12];
        _clientOptions = MqttClientSettings.Build(options, ClientId);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>The client id this connection uses on every (re)connect.</summary>
    public string ClientId { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Starts the supervisor (connect and reconnect) and the acknowledger, once.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_gate)
        {
            if (_supervisor is not null)
            {
                return;
            }

            _acknowledger = Task.Run(AcknowledgeLoopAsync, CancellationToken.None);
            _supervisor = Task.Run(SuperviseAsync, CancellationToken.None);
        }
    }

    public async ValueTask ConnectAsync(CancellationToken cancellationToken = default)
    {
        Start();
        await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> payload, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(contentType);
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            throw new ArgumentException($"The topic '{topic}' contains a wildcard ('+' or '#'); publish to a concrete topic.", nameof(topic));
        }

        Start();
        await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayloadSegment(payload)
            .WithContentType(contentType.Length == 0 ? null : contentType)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            _metrics.PublishFailed(transient: true);
            throw new MqttDeliveryException($"The connection to the MQTT broker at {Endpoint} dropped before it acknowledged the message on '{topic}'; it may or may not have it.", isTransient: true, ex);
        }

        if (!result.IsSuccess)
        {
            var transient = result.ReasonCode is MqttClientPublishReasonCode.QuotaExceeded or MqttClientPublishReasonCode.PacketIdentifierInUse;
            _metrics.PublishFailed(transient);
            var detail = string.IsNullOrEmpty(result.ReasonString) ? string.Empty : $" ({result.ReasonString})";
            throw new MqttDeliveryException($"The MQTT broker at {Endpoint} refused the message on '{topic}': {result.ReasonCode}{detail}.", transient);
        }

        _metrics.Published();
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(string topicFilter, Func<MqttIncomingMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default) =>
        SubscribeAsync(topicFilter, handler, maxConcurrency: 1, cancellationToken);

    /// <summary>
    /// Subscribes with up to <paramref name="maxConcurrency"/> handler calls running at once (in arrival order of their
    /// start); acknowledgements still go out in arrival order.
    /// </summary>
    public async ValueTask<IAsyncDisposable> SubscribeAsync(string topicFilter, Func<MqttIncomingMessage, CancellationToken, ValueTask> handler, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicFilter);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        Start();
        var id = (uint)Interlocked.Increment(ref _nextSubscriptionId);
        var subscription = new Subscription(this, id, topicFilter, handler, maxConcurrency);
        _subscriptions[id] = subscription;
        try
        {
            await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            await SubscribeOnBrokerAsync(subscription, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _subscriptions.TryRemove(id, out _);
            await subscription.CompleteAsync().ConfigureAwait(false);
            throw;
        }

        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        Task? supervisor;
        lock (_gate)
        {
            supervisor = _supervisor;
        }

        if (supervisor is not null)
        {
            await supervisor.ConfigureAwait(false);
        }

        foreach (var subscription in _subscriptions.Values)
        {
            await subscription.CompleteAsync().ConfigureAwait(false);
        }

        _acks.Writer.TryComplete();
        if (_acknowledger is not null)
        {
            await _acknowledger.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex) || ex is OperationCanceledException)
            {
                // Already gone: nothing to say goodbye to.
            }
        }

        _client.Dispose();
        _disposing.Dispose();
        _dropped.Dispose();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    private string Endpoint => $"{_options.Host}:{_options.Port}";

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsConnectionFailure(Exception ex) =>
        ex is MqttCommunicationException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException or InvalidOperationException
        || (ex is OperationCanceledException && ex.InnerException is not null);

    private async Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Task signal;
        lock (_gate)
        {
            signal = _connected.Task;
        }

        if (signal.IsCompleted && _client.IsConnected)
        {
            return;
        }

        try
        {
            await signal.WaitAsync(_options.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            var cause = Volatile.Read(ref _lastError);
            var because = cause is null ? string.Empty : $": {cause.Message}";
            throw new MqttDeliveryException($"Not connected to the MQTT broker at {Endpoint} (waited {_options.ConnectTimeout.TotalSeconds:0.###} s){because}", isTransient: true, cause ?? ex);
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Any failure to connect or resubscribe is logged and retried with backoff; the loop must not die.")]
    private async Task SuperviseAsync()
    {
        var token = _disposing.Token;
        var failures = 0;
        var first = true;
        while (!token.IsCancellationRequested)
        {
            if (!first)
            {
                try
                {
                    await Task.Delay(ReconnectBackoff.Delay(Math.Max(0, failures - 1), _options.ReconnectMinDelay, _options.ReconnectMaxDelay), _time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            first = false;
            try
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                var result = await _client.ConnectAsync(_clientOptions, linked.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _generation);
                foreach (var subscription in _subscriptions.Values)
                {
                    await SubscribeOnBrokerAsync(subscription, linked.Token).ConfigureAwait(false);
                }

                failures = 0;
                Volatile.Write(ref _lastError, null);
                _metrics.Connected();
                MqttLog.Connected(_logger, _options.Host, _options.Port, ClientId, result.IsSessionPresent, _subscriptions.Count);
                lock (_gate)
                {
                    _connected.TrySetResult();
                }

                while (_client.IsConnected)
                {
                    await _dropped.WaitAsync(token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                Volatile.Write(ref _lastError, ex);
                MqttLog.ConnectFailed(_logger, ex, _options.Host, _options.Port, failures, ReconnectBackoff.Delay(failures - 1, _options.ReconnectMinDelay, _options.ReconnectMaxDelay));
                if (_client.IsConnected)
                {
                    // Connected but a subscription failed: drop the connection and start over.
                    try
                    {
                        await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception disconnectError) when (IsConnectionFailure(disconnectError))
                    {
                        // Gone anyway.
                    }
                }
            }

            ResetConnected();
        }
    }

    private void ResetConnected()
    {
        lock (_gate)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (!e.ClientWasConnected)
        {
            return Task.CompletedTask;
        }

        ResetConnected();
        if (Volatile.Read(ref _disposed) == 0)
        {
            Volatile.Write(ref _lastError, e.Exception ?? new MqttCommunicationException($"Disconnected: {e.Reason}"));
            MqttLog.Disconnected(_logger, e.Exception, _options.Host, _options.Port, e.ReasonString ?? e.Reason.ToString());
            try
            {
                _dropped.Release();
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile.
            }
        }

        return Task.CompletedTask;
    }

    private async Task SubscribeOnBrokerAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder()
                .WithTopic(subscription.Filter)
                .WithAtLeastOnceQoS()
                .WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly)
                .Build())
            .WithSubscriptionIdentifier(subscription.Id)
            .Build();
        MqttClientSubscribeResult result;
        try
        {
            result = await _client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            throw new MqttDeliveryException($"The connection to the MQTT broker at {Endpoint} dropped while subscribing to '{subscription.Filter}'.", isTransient: true, ex);
        }

        foreach (var item in result.Items)
        {
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                var transient = item.ResultCode is MqttClientSubscribeResultCode.QuotaExceeded or MqttClientSubscribeResultCode.PacketIdentifierInUse;
                throw new MqttDeliveryException($"The MQTT broker at {Endpoint} refused the subscription to '{subscription.Filter}': {item.ResultCode}.", transient);
            }
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        _metrics.Received();
        var message = e.ApplicationMessage;
        var incoming = new MqttIncomingMessage(message.Topic, message.Payload.ToArray(), string.IsNullOrEmpty(message.ContentType) ? null : message.ContentType);
        var done = Dispatch(message, incoming);
        if (!_acks.Writer.TryWrite(new PendingAck(e, done, Volatile.Read(ref _generation))))
        {
            // Disposing: the message is not acknowledged, so a resumed session gets it again.
            return Task.CompletedTask;
        }

        return Task.CompletedTask;
    }

    private Task Dispatch(MqttApplicationMessage message, MqttIncomingMessage incoming)
    {
        List<Task>? tasks = null;
        Task? single = null;
        void Add(Subscription subscription)
        {
            var task = subscription.Enqueue(incoming);
            if (single is null)
            {
                single = task;
            }
            else
            {
                tasks ??= [single];
                tasks.Add(task);
            }
        }

        if (message.SubscriptionIdentifiers is { Count: > 0 } ids)
        {
            foreach (var id in ids)
            {
                if (_subscriptions.TryGetValue(id, out var subscription))
                {
                    Add(subscription);
                }
            }
        }
        else
        {
            foreach (var subscription in _subscriptions.Values)
            {
                if (MqttTopicFilterComparer.Compare(message.Topic, subscription.MatchFilter) == MqttTopicFilterCompareResult.IsMatch)
                {
                    Add(subscription);
                }
            }
        }

        if (single is null)
        {
            MqttLog.Unrouted(_logger, message.Topic);
            return Task.CompletedTask;
        }

        return tasks is null ? single : Task.WhenAll(tasks);
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A failed handler was logged by its subscription; the message is acknowledged with an error code.")]
    private async Task AcknowledgeLoopAsync()
    {
        var reader = _acks.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var pending))
            {
                try
                {
                    await pending.Done.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    continue; // Stopped before the handler finished: not acknowledged, redelivered to a resumed session.
                }
                catch (Exception)
                {
                    pending.Args.ReasonCode = MqttApplicationMessageReceivedReasonCode.UnspecifiedError;
                }

                if (pending.Generation != Volatile.Read(ref _generation) || !_client.IsConnected)
                {
                    continue; // Received on an earlier connection: its packet id means nothing on this one.
                }

                try
                {
                    await pending.Args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    MqttLog.AcknowledgeFailed(_logger, ex, pending.Args.ApplicationMessage.Topic);
                }
            }
        }
    }

    private sealed record PendingAck(MqttApplicationMessageReceivedEventArgs Args, Task Done, int Generation);

    /// <summary>One subscription: its filter, its handler and the worker that calls it.</summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly MqttConnection _owner;
        private readonly Func<MqttIncomingMessage, CancellationToken, ValueTask> _handler;
        private readonly Channel<(MqttIncomingMessage Message, TaskCompletionSource Done)> _queue =
            Channel.CreateUnbounded<(MqttIncomingMessage, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

        private readonly SemaphoreSlim _slots;
        private readonly Task _worker;
        private int _disposed;

        public Subscription(MqttConnection owner, uint id, string filter, Func<MqttIncomingMessage, CancellationToken, ValueTask> handler, int maxConcurrency)
        {
            _owner = owner;
            Id = id;
            Filter = filter;
            MatchFilter = SharedSubscription.StripShare(filter);
            _handler = handler;
            _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
            _worker = Task.Run(WorkAsync, CancellationToken.None);
        }

        public uint Id { get; }

        public string Filter { get; }

        public string MatchFilter { get; }

        public Task Enqueue(MqttIncomingMessage message)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_queue.Writer.TryWrite((message, done)))
            {
                done.TrySetCanceled();
            }

            return done.Task;
        }

        public async ValueTask DisposeAsync()
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            _owner._subscriptions.TryRemove(Id, out _);
            if (_owner._client.IsConnected)
            {
                try
                {
                    await _owner._client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(Filter).Build(), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsConnectionFailure(ex))
                {
                    // Gone with the connection: a new session will not renew it.
                }
            }

            await CompleteAsync().ConfigureAwait(false);
        }

        public async Task CompleteAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _queue.Writer.TryComplete();
            await _worker.ConfigureAwait(false);
        }

        private async Task WorkAsync()
        {
            var token = _owner._disposing.Token;
            var running = new List<Task>();
            await foreach (var (message, done) in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (token.IsCancellationRequested)
                {
                    done.TrySetCanceled(token);
                    continue;
                }

                try
                {
                    await _slots.WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    done.TrySetCanceled(token);
                    continue;
                }

                running.RemoveAll(static t => t.IsCompleted);
                running.Add(RunAsync(message, done, token));
            }

            await Task.WhenAll(running).ConfigureAwait(false);
            _slots.Dispose();
        }

        [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "A handler failure is logged and reported to the acknowledger, which acknowledges with an error code.")]
        private async Task RunAsync(MqttIncomingMessage message, TaskCompletionSource done, CancellationToken token)
        {
            try
            {
                await _handler(message, token).ConfigureAwait(false);
                done.TrySetResult();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                done.TrySetCanceled(token);
            }
            catch (Exception ex)
            {
                MqttLog.HandlerFailed(_owner._logger, ex, Filter, message.Topic);
                done.TrySetException(ex);
            }
            finally
            {
                _slots.Release();
            }
        }
    }
}
