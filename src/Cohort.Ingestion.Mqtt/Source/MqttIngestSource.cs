using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Cohort.Core;
using Cohort.Ingestion.Mqtt.Client;
using Cohort.Ingestion.Mqtt.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Source;

/// <summary>
/// Subscribes with the configured topic templates and hands each message to the pipeline; the message is acknowledged
/// to the broker (PUBACK) only after the pipeline answered, i.e. once its points are in the durable log or it was
/// dead-lettered. A message the pipeline cannot take yet (buffer full, pipeline failing) is retried, never acknowledged.
/// </summary>
internal sealed class MqttIngestSource : IIngestSource
{
    private const int RecordPreviewBytes = 512;

    private readonly MqttSourceOptions _options;
    private readonly IDeadLetterStore _deadLetters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MqttMetrics _metrics;
    private readonly Route[] _routes;
    private readonly string _sourceId;
    private readonly MqttSourceReadiness _readiness;

    public MqttIngestSource(IOptions<MqttSourceOptions> options, IDeadLetterStore deadLetters, TimeProvider timeProvider, ILogger<MqttIngestSource> logger, MqttMetrics metrics, MqttSourceReadiness readiness)
    {
        _readiness = readiness;
        _options = options.Value;
        _deadLetters = deadLetters;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _routes = [.. _options.Topics.Select(t => new Route(MqttTopicTemplate.Parse(t.Template), t.DefaultContentType))];
        _sourceId = _options.SourceId ?? _options.Connection.Username ?? "mqtt";
    }

    public string Name => "mqtt";

    /// <summary>The connection while the source runs, for tests.</summary>
    internal MqttConnection? Connection { get; private set; }

    public async Task RunAsync(IIngestor ingestor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ingestor);
        var connection = new MqttConnection(_options.Connection, _time, _logger, _metrics, ownsMetrics: false);
        await using (connection.ConfigureAwait(false))
        {
            Connection = connection;
            var handles = new List<IAsyncDisposable>();
            try
            {
                foreach (var route in _routes)
                {
                    var filter = SharedSubscription.Share(route.Template.SubscriptionFilter, _options.SharedGroup);
                    handles.Add(await SubscribeAsync(connection, filter, (message, token) => HandleAsync(ingestor, route, message, token), cancellationToken).ConfigureAwait(false));
                }

                MqttLog.SourceSubscribed(_logger, _sourceId, string.Join(", ", _routes.Select(r => SharedSubscription.Share(r.Template.SubscriptionFilter, _options.SharedGroup))));
                _readiness.MarkSubscribed();
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host is stopping: disconnect; what was not acknowledged is redelivered to a resumed session.
            }
            finally
            {
                Connection = null;
            }
        }
    }

    private async Task<IAsyncDisposable> SubscribeAsync(MqttConnection connection, string filter, Func<MqttIncomingMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                return await connection.SubscribeAsync(filter, handler, _options.MaxConcurrency, cancellationToken).ConfigureAwait(false);
            }
            catch (MqttDeliveryException ex) when (ex.IsTransient)
            {
                var delay = ReconnectBackoff.Delay(failures, _options.Connection.ReconnectMinDelay, _options.Connection.ReconnectMaxDelay);
                MqttLog.SourceSubscribeRetry(_logger, ex, filter, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Whatever keeps the pipeline from taking the message, it is retried and stays unacknowledged; cancellation is rethrown.")]
    private async ValueTask HandleAsync(IIngestor ingestor, Route route, MqttIncomingMessage incoming, CancellationToken cancellationToken)
    {
        var message = await ToIngestMessageAsync(route, incoming, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return; // dead-lettered: acknowledged, sending it again would not help
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ingestor.IngestAsync(message, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var delay = ReconnectBackoff.Delay(attempt - 1, _options.Connection.ReconnectMinDelay, _options.Connection.ReconnectMaxDelay);
                MqttLog.SourceRetry(_logger, ex, incoming.Topic, attempt, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<IngestMessage?> ToIngestMessageAsync(Route route, MqttIncomingMessage incoming, CancellationToken cancellationToken)
    {
        if (!route.Template.TryMatch(incoming.Topic, out var values))
        {
            await DeadLetterAsync(incoming, "-", "topic", $"The topic '{incoming.Topic}' does not fit the template '{route.Template}'.", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var tenantId = values[MqttTopicTemplate.WellKnownVariables.Tenant];
        if (!Tenant.IsValid(tenantId, out var why))
        {
            await DeadLetterAsync(incoming, tenantId, "authorize", $"The tenant level '{tenantId}' of topic '{incoming.Topic}' is not a valid tenant id: {why}", cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (incoming.Payload.Length > _options.MaxPayloadBytes)
        {
            await DeadLetterAsync(incoming, tenantId, "decode", $"The payload of {incoming.Payload.Length} bytes is larger than the limit of {_options.MaxPayloadBytes} bytes (MqttSourceOptions.MaxPayloadBytes).", cancellationToken).ConfigureAwait(false);
            return null;
        }

        var receivedAt = _time.GetUtcNow();
        if (values.TryGetValue(MqttTopicTemplate.WellKnownVariables.Timestamp, out var stamp))
        {
            if (!TryParseTimestamp(stamp, out receivedAt))
            {
                await DeadLetterAsync(incoming, tenantId, "topic", $"The timestamp level '{stamp}' of topic '{incoming.Topic}' is neither Unix milliseconds nor ISO-8601.", cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        var metadata = values.Remove(MqttTopicTemplate.WellKnownVariables.Tenant).Remove(MqttTopicTemplate.WellKnownVariables.Timestamp);
        return new IngestMessage(new Tenant(tenantId), _sourceId, incoming.ContentType ?? route.DefaultContentType, incoming.Payload, receivedAt)
        {
            Topic = incoming.Topic,
            Metadata = metadata,
        };
    }

    private static bool TryParseTimestamp(string text, out DateTimeOffset time)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds <= 253_402_300_799_999)
        {
            time = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    private async ValueTask DeadLetterAsync(MqttIncomingMessage incoming, string tenant, string stage, string reason, CancellationToken cancellationToken)
    {
        var preview = incoming.Payload.Span[..Math.Min(incoming.Payload.Length, RecordPreviewBytes)];
        var entry = new DeadLetter(_time.GetUtcNow(), tenant, _sourceId, stage, reason)
        {
            Field = "topic:" + incoming.Topic,
            Record = Encoding.UTF8.GetString(preview),
        };
        await _deadLetters.AddAsync([entry], cancellationToken).ConfigureAwait(false);
        _metrics.DeadLettered(stage);
        MqttLog.SourceDeadLettered(_logger, incoming.Topic, stage, reason);
    }

    private sealed record Route(MqttTopicTemplate Template, string DefaultContentType);
}
