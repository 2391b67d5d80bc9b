using System.Buffers;
using System.Numerics;
using Cohort.Core;
using Cohort.Studies.Exports;
using Cohort.Studies.Internal;
using Cohort.Studies.Rules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Studies.Hosting;

/// <summary>
/// A point writer that writes to a store, then tells the study: the <see cref="RuleEngine"/> which fields of which
/// tenant were written (its on-arrival rules are evaluated in the background, never on the write's path), and the
/// <see cref="ResearchExporter"/> that a late batch (older than its settle time) may touch cached days. What happens
/// after the write is logged, never thrown: the write's own result or error is what the caller sees.
/// </summary>
public sealed class StudyPointWriter : IPointWriter
{
    private readonly IPointWriter _inner;
    private readonly RuleEngine? _rules;
    private readonly ResearchExporter? _exporter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the writer.</summary>
    /// <param name="inner">The store's writer.</param>
    /// <param name="rules">The rule engine told of each write, if any.</param>
    /// <param name="exporter">The exporter whose cached days late writes invalidate, if any.</param>
    /// <param name="timeProvider">The clock (the exporter's), to tell late batches.</param>
    /// <param name="logger">The logger.</param>
    public StudyPointWriter(IPointWriter inner, RuleEngine? rules, ResearchExporter? exporter = null, TimeProvider? timeProvider = null, ILogger<StudyPointWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _rules = rules;
        _exporter = exporter;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = await _inner.WriteAsync(tenant, batch, cancellationToken).ConfigureAwait(false);
        if (result.Written == 0)
        {
            return result;
        }

        if (_rules is { HasArrivalRules: true })
        {
            try
            {
                _rules.OnDataArrived(tenant, FieldsOf(batch)); // queues and returns: evaluation runs in the background
            }
            catch (Exception e)
            {
                Log.ArrivalTriggerFailed(_logger, e, tenant.Id);
            }
        }

        if (_exporter is not null && Oldest(batch) < Timestamps.FromDateTimeOffset(_time.GetUtcNow() - _exporter.SettleTime))
        {
            try
            {
                await _exporter.InvalidateAsync(tenant, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ExportInvalidationFailed(_logger, e, tenant.Id);
            }
        }

        return result;
    }

    /// <summary>The distinct <c>measurement.field</c> pairs of a batch.</summary>
    internal static HashSet<FieldReference> FieldsOf(PointBatch batch)
    {
        // One bit per (series, field id < 64): a pass over the rows without hashing; rarer wide batches use a set.
        var seriesCount = batch.SeriesCount;
        ulong[]? rented = null;
        var seen = seriesCount <= 256 ? stackalloc ulong[seriesCount] : (rented = ArrayPool<ulong>.Shared.Rent(seriesCount)).AsSpan(0, seriesCount);
        seen.Clear();
        HashSet<long>? wide = null;
        var series = batch.SeriesIds;
        var fields = batch.FieldIds;
        for (var i = 0; i < series.Length; i++)
        {
            if (fields[i] < 64)
            {
                seen[series[i]] |= 1UL << fields[i];
            }
            else
            {
                (wide ??= []).Add(((long)series[i] << 32) | (uint)fields[i]);
            }
        }

        var references = new HashSet<FieldReference>();
        for (var id = 0; id < seen.Length; id++)
        {
            for (var bits = seen[id]; bits != 0; bits &= bits - 1)
            {
                references.Add(new FieldReference(batch.GetSeries(id).Measurement, batch.GetFieldKey(BitOperations.TrailingZeroCount(bits))));
            }
        }

        foreach (var pair in wide ?? [])
        {
            references.Add(new FieldReference(batch.GetSeries((int)(pair >> 32)).Measurement, batch.GetFieldKey((int)pair)));
        }

        if (rented is not null)
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }

        return references;
    }

    private static long Oldest(PointBatch batch)
    {
        var oldest = long.MaxValue;
        foreach (var timestamp in batch.Timestamps)
        {
            oldest = Math.Min(oldest, timestamp);
        }

        return oldest;
    }
}
