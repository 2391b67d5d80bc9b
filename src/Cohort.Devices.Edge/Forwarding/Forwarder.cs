using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Cohort.Core;
using Cohort.Devices.Edge.Diagnostics;
using Cohort.Ingestion;
using Cohort.Ingestion.Mqtt;
using Microsoft.Extensions.Logging;

namespace Cohort.Devices.Edge.Forwarding;

/// <summary>
/// Reads the durable log in order and publishes it: each window of records (what is stored, up to
/// <see cref="WindowRecords"/>) is grouped by topic in order of first appearance, each group becomes one line
/// protocol message (its readings in log order, up to <see cref="EdgeAgentOptions.MaxReadingsPerMessage"/>). A
/// topic's first group is in layer 0, its next (when it overflowed) in layer 1, and so on: the groups of one layer
/// have distinct topics and are published concurrently (up to <see cref="MaxInFlight"/> awaiting their PUBACK), the
/// layers one after another, so a topic's messages never overtake each other. Failed groups are retried with backoff
/// until the broker acknowledges them; acknowledged ones are not sent again. The log's checkpoint advances only after
/// every group of the window was acknowledged. So readings of a device reach the
/// broker in the order they were read, nothing is skipped, and a reading is published twice only when its window
/// was interrupted by a restart (or a PUBACK was lost with the connection): at-least-once.
/// </summary>
internal sealed class Forwarder
{
    public const string ContentType = "text/plain; charset=utf-8";
    public const int WindowRecords = 10_000;
    public const int MaxInFlight = 64;
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(500);

    private readonly DurableLogReader _reader;
    private readonly IMqttMessagePublisher _publisher;
    private readonly MqttTopicTemplate _topic;
    private readonly string _house;
    private readonly EdgeAgentOptions _options;
    private readonly EdgeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly bool _perReadingTopic;

    public Forwarder(DurableLogReader reader, IMqttMessagePublisher publisher, MqttTopicTemplate topic, string house, EdgeAgentOptions options, EdgeMetrics metrics, TimeProvider time, ILogger logger)
    {
        _reader = reader;
        _publisher = publisher;
        _topic = topic;
        _house = house;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _perReadingTopic = topic.Variables.Contains(MqttTopicTemplate.WellKnownVariables.Timestamp);
    }

    /// <summary>Gets the readings the broker has acknowledged since start.</summary>
    public long Published => Interlocked.Read(ref _publishedCount);

    private long _publishedCount;
    private long _inHandBytes;

    /// <summary>Gets the bytes of the window being published (read from the log, not yet acknowledged in full).</summary>
    public long InHandBytes => Interlocked.Read(ref _inHandBytes);

    /// <summary>
    /// Publishes until <paramref name="stopping"/> fires. Once <paramref name="draining"/> fires it publishes what the
    /// log holds and returns when it is empty, or as soon as a publish fails (the broker is away): the window in hand
    /// is then left to the next start. The checkpoint (a small file replaced with an fsync) is written at most every
    /// <see cref="CheckpointInterval"/> while readings flow, when the log runs dry after that interval, and at a
    /// graceful stop; so a crash republishes at most about one interval of readings.
    /// </summary>
    public async Task RunAsync(CancellationToken draining, CancellationToken stopping)
    {
        var groups = new List<Group>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(draining, stopping);
        var lastCommit = _time.GetTimestamp();
        var uncommitted = false;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                groups.Clear();
                index.Clear();
                if (ReadWindow(groups, index) > 0)
                {
                    await PublishWindowAsync(groups, either.Token, stopping).ConfigureAwait(false);
                    Interlocked.Exchange(ref _inHandBytes, 0);
                    uncommitted = true;
                    if (_time.GetElapsedTime(lastCommit) >= CheckpointInterval)
                    {
                        _reader.Commit();
                        (uncommitted, lastCommit) = (false, _time.GetTimestamp());
                    }

                    continue;
                }

                var due = CheckpointInterval - _time.GetElapsedTime(lastCommit);
                if (uncommitted && (draining.IsCancellationRequested || due <= TimeSpan.Zero))
                {
                    _reader.Commit();
                    (uncommitted, lastCommit) = (false, _time.GetTimestamp());
                }

                if (draining.IsCancellationRequested)
                {
                    return;
                }

                // Wait for new readings, or until the checkpoint of what was published is due.
                using var checkpointDue = new CancellationTokenSource(uncommitted ? due : Timeout.InfiniteTimeSpan, _time);
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(either.Token, checkpointDue.Token);
                try
                {
                    if (!await _reader.WaitToReadAsync(wake.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    // The checkpoint is due, or draining: look again.
                }
            }
        }
        catch (OperationCanceledException) when (either.IsCancellationRequested)
        {
            // Stopping, or draining while the broker is away: what was not committed is published at the next start.
        }
    }

    private int ReadWindow(List<Group> groups, Dictionary<string, int> index)
    {
        var count = 0;
        while (count < WindowRecords && _reader.TryRead(out var record))
        {
            var (device, timestamp, line) = ReadingRecord.Decode(record);
            var topic = TopicOf(device, timestamp);
            var known = index.TryGetValue(topic, out var at);
            if (!known || groups[at].Readings >= _options.MaxReadingsPerMessage)
            {
                // A topic's next message goes one layer later, so that it is published after the full one.
                var layer = known ? groups[at].Layer + 1 : 0;
                at = groups.Count;
                index[topic] = at;
                groups.Add(new Group(topic, layer));
            }

            groups[at].Add(line.Span);
            count++;
            Interlocked.Add(ref _inHandBytes, record.Length + 8);
        }

        return count;
    }

    private string TopicOf(string device, long timestamp)
    {
        _values[MqttTopicTemplate.WellKnownVariables.Tenant] = _house;
        _values[MqttTopicTemplate.WellKnownVariables.Device] = device;
        _values["device_id"] = device;
        if (_perReadingTopic)
        {
            _values[MqttTopicTemplate.WellKnownVariables.Timestamp] = (timestamp / 1_000_000).ToString(CultureInfo.InvariantCulture);
        }

        return _topic.Format(_values);
    }

    private async Task PublishWindowAsync(List<Group> groups, CancellationToken giveUp, CancellationToken stopping)
    {
        var layers = groups.Max(static g => g.Layer);
        for (var layer = 0; layer <= layers; layer++)
        {
            var current = layer;
            var pending = groups.Where(g => g.Layer == current).ToList();
            var attempt = 0;
            while (true)
            {
                var failures = await PublishConcurrentlyAsync(pending, stopping).ConfigureAwait(false);
                if (failures.Count == 0)
                {
                    if (attempt > 0)
                    {
                        EdgeLog.PublishRecovered(_logger, attempt);
                    }

                    break;
                }

                giveUp.ThrowIfCancellationRequested();
                attempt++;
                var delay = Backoff(attempt);
                var (first, error) = failures[0];
                var readings = failures.Sum(static f => f.Group.Readings);
                if (error is CohortException { IsTransient: false })
                {
                    EdgeLog.PublishRefused(_logger, error, failures.Count, readings, first.Topic, attempt, delay);
                }
                else
                {
                    EdgeLog.PublishFailed(_logger, error, failures.Count, readings, first.Topic, attempt, delay);
                }

                await Task.Delay(delay, _time, giveUp).ConfigureAwait(false);
                var failed = failures.Select(static f => f.Group).ToHashSet();
                pending = [.. pending.Where(failed.Contains)];
            }
        }
    }

    /// <summary>Publishes groups of distinct topics concurrently; returns the failed ones (in window order) with their errors.</summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Every publish failure is logged, counted and retried: the readings stay in the log until the broker has them.")]
    private async Task<List<(Group Group, Exception Error)>> PublishConcurrentlyAsync(List<Group> pending, CancellationToken stopping)
    {
        var errors = new Exception?[pending.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxInFlight, CancellationToken = stopping };
        await Parallel.ForEachAsync(Enumerable.Range(0, pending.Count), options, async (i, cancellationToken) =>
        {
            var group = pending[i];
            try
            {
                await _publisher.PublishAsync(group.Topic, group.Payload.WrittenMemory, ContentType, cancellationToken).ConfigureAwait(false);
                _metrics.Published(group.Readings);
                Interlocked.Add(ref _publishedCount, group.Readings);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _metrics.PublishFailed(ex is not CohortException { IsTransient: false });
                errors[i] = ex;
            }
        }).ConfigureAwait(false);

        List<(Group, Exception)> failures = [];
        for (var i = 0; i < pending.Count; i++)
        {
            if (errors[i] is { } error)
            {
                failures.Add((pending[i], error));
            }
        }

        return failures;
    }

    private TimeSpan Backoff(int attempt)
    {
        var min = _options.RetryMinDelay;
        var max = _options.RetryMaxDelay;
        var exponential = min * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = exponential > max ? max : exponential;
#pragma warning disable CA5394 // Jitter spreads retries in time; it needs no cryptographic randomness.
        return capped * (0.5 + (Random.Shared.NextDouble() / 2));
#pragma warning restore CA5394
    }

    /// <summary>One MQTT message in the making: a topic and its line protocol lines.</summary>
    private sealed class Group(string topic, int layer)
    {
        public string Topic { get; } = topic;

        public int Layer { get; } = layer;

        public ArrayBufferWriter<byte> Payload { get; } = new(256);

        public int Readings { get; private set; }

        public void Add(ReadOnlySpan<byte> line)
        {
            Payload.Write(line);
            Readings++;
        }
    }
}
