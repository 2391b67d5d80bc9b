using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Studies.Internal;

namespace Cohort.Studies.Rules;

/// <summary>On-arrival evaluation: rules evaluated for a tenant in the background as its data is written.</summary>
public sealed partial class RuleEngine
{
    private readonly ArrivalState _arrival;
    private readonly int _arrivalConcurrency = 2;
    private readonly int _arrivalQueueCapacity = 10_000;

    /// <summary>Whether any rule is evaluated on arrival (<see cref="RuleDefinition.OnArrival"/>).</summary>
    public bool HasArrivalRules => _arrival.Rules.Length > 0;

    /// <summary>How many on-arrival evaluations run at once, across rules and tenants (default 2).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int ArrivalConcurrency
    {
        get => _arrivalConcurrency;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _arrivalConcurrency = value;
        }
    }

    /// <summary>
    /// How many (rule, tenant) evaluations may wait for a worker (default 10,000); a trigger beyond it is dropped,
    /// logged and counted (<c>cohort.studies.rules.arrivals</c> with outcome <c>dropped</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int ArrivalQueueCapacity
    {
        get => _arrivalQueueCapacity;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _arrivalQueueCapacity = value;
        }
    }

    /// <summary>The (rule, tenant) evaluations queued or running (tests wait for it to reach zero).</summary>
    internal int ArrivalBacklog => _arrival.Slots.Count;

    /// <summary>
    /// Reports that <paramref name="fields"/> (<c>measurement.field</c>) of <paramref name="tenant"/> were written:
    /// each on-arrival rule in the tenant's scope whose formula reads one of them (in the tenant's scope, so through its
    /// analytics) is evaluated for that tenant alone, in the background. Never waits: a (rule, tenant) has at most one
    /// evaluation running and one pending, so a burst of writes coalesces into at most two evaluations. Cooldowns,
    /// quiet hours and the maximum per day apply as on a schedule.
    /// </summary>
    /// <returns>How many on-arrival rules read one of the fields.</returns>
    public int OnDataArrived(Tenant tenant, IReadOnlyCollection<FieldReference> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (_arrival.Rules.Length == 0 || fields.Count == 0 || _arrival.Stopping.IsCancellationRequested)
        {
            return 0;
        }

        var matched = 0;
        foreach (var name in _arrival.Rules)
        {
            var entry = _rules[name];
            if (entry.Rule.Tenants.Count > 0 && !entry.Rule.Tenants.Contains(tenant.Id, StringComparer.Ordinal))
            {
                continue;
            }

            var reads = Dependencies(name, entry.Formula, tenant);
            if (!fields.Any(reads.Contains))
            {
                continue;
            }

            matched++;
            Trigger(name, tenant);
        }

        return matched;
    }

    private FrozenSet<FieldReference> Dependencies(string name, Formula formula, Tenant tenant)
    {
        // Keyed by the scope instance: a tenant's analytics redefined give a new scope, and the old entry goes with it.
        var scope = _scopes(tenant);
        return _arrival.Dependencies[name].GetValue(scope, s =>
        {
            try
            {
                return formula.GetDependencies(s).ToFrozenSet();
            }
            catch (FormulaException e)
            {
                Log.ArrivalRuleUnbound(_logger, e, name, tenant.Id);
                return FrozenSet<FieldReference>.Empty;
            }
        });
    }

    private void Trigger(string rule, Tenant tenant)
    {
        var writer = EnsureArrivalWorkers();
        var key = (rule, tenant.Id);
        while (true)
        {
            if (_arrival.Slots.TryGetValue(key, out var slot))
            {
                lock (slot)
                {
                    if (!slot.Retired)
                    {
                        slot.Pending = true;
                        _metrics.RuleArrivals.Add(1, new KeyValuePair<string, object?>("outcome", "coalesced"));
                        return;
                    }
                }

                continue; // it just finished: start a new one
            }

            slot = new ArrivalSlot(key, tenant);
            if (!_arrival.Slots.TryAdd(key, slot))
            {
                continue;
            }

            if (writer.TryWrite(slot))
            {
                _metrics.RuleArrivals.Add(1, new KeyValuePair<string, object?>("outcome", "queued"));
            }
            else
            {
                Retire(slot);
                _metrics.RuleArrivals.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
                Log.ArrivalDropped(_logger, rule, tenant.Id, _arrivalQueueCapacity);
            }

            return;
        }
    }

    private ChannelWriter<ArrivalSlot> EnsureArrivalWorkers()
    {
        if (_arrival.Queue is { } queue)
        {
            return queue.Writer;
        }

        lock (_arrival)
        {
            if (_arrival.Queue is null)
            {
                var channel = Channel.CreateBounded<ArrivalSlot>(new BoundedChannelOptions(_arrivalQueueCapacity) { SingleWriter = false, SingleReader = false });
                for (var i = 0; i < _arrivalConcurrency; i++)
                {
                    _ = Task.Run(() => RunArrivalWorkerAsync(channel, _arrival.Stopping.Token));
                }

                _arrival.Queue = channel;
            }

            return _arrival.Queue.Writer;
        }
    }

    private async Task RunArrivalWorkerAsync(Channel<ArrivalSlot> channel, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var slot in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                while (true)
                {
                    lock (slot)
                    {
                        slot.Pending = false; // this evaluation covers what arrived so far
                    }

                    await EvaluateOnArrivalAsync(slot, cancellationToken).ConfigureAwait(false);
                    lock (slot)
                    {
                        if (!slot.Pending)
                        {
                            Retire(slot);
                            break;
                        }
                    }

                    if (channel.Writer.TryWrite(slot))
                    {
                        break; // more arrived meanwhile: evaluate again, after the others waiting
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the engine is disposed
        }
    }

    private async Task EvaluateOnArrivalAsync(ArrivalSlot slot, CancellationToken cancellationToken)
    {
        var outcome = "succeeded";
        try
        {
            await EvaluateAsync(slot.Key.Rule, [slot.Tenant], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            outcome = "failed";
            Log.ArrivalEvaluationFailed(_logger, e, slot.Key.Rule, slot.Tenant.Id);
        }

        _metrics.RuleArrivalEvaluations.Add(1, new TagList { { "rule", slot.Key.Rule }, { "outcome", outcome } });
    }

    private void Retire(ArrivalSlot slot)
    {
        lock (slot)
        {
            slot.Retired = true;
            _arrival.Slots.TryRemove(KeyValuePair.Create(slot.Key, slot));
        }
    }

    private void DisposeArrival()
    {
        _arrival.Stopping.Cancel();
        _arrival.Queue?.Writer.TryComplete();
    }

    /// <summary>A (rule, tenant) with an evaluation queued or running; <see cref="Pending"/> asks for one more after it.</summary>
    private sealed class ArrivalSlot((string Rule, string Tenant) key, Tenant tenant)
    {
        public (string Rule, string Tenant) Key { get; } = key;

        public Tenant Tenant { get; } = tenant;

        public bool Pending { get; set; }

        public bool Retired { get; set; }
    }

    private sealed class ArrivalState(string[] rules)
    {
        public string[] Rules { get; } = rules;

        public FrozenDictionary<string, ConditionalWeakTable<FormulaScope, FrozenSet<FieldReference>>> Dependencies { get; } =
            rules.ToFrozenDictionary(r => r, _ => new ConditionalWeakTable<FormulaScope, FrozenSet<FieldReference>>(), StringComparer.Ordinal);

        public ConcurrentDictionary<(string Rule, string Tenant), ArrivalSlot> Slots { get; } = new();

        /// <summary>Not disposed with the engine: workers still read its token while they wind down.</summary>
        public CancellationTokenSource Stopping { get; } = new();

        public Channel<ArrivalSlot>? Queue { get; set; }
    }
}
