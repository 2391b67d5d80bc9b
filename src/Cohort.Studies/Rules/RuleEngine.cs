using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cohort.Core;
using Cohort.Formulas;
using Cohort.Studies.Internal;
using Cohort.Studies.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Studies.Rules;

/// <summary>
/// Evaluates rules for tenants: reads the formula's inputs over the trailing window from the store, reduces the
/// result, and when the threshold holds, notifies (unless cooldown, quiet hours or the maximum per day say no).
/// Every firing, sent or suppressed, is recorded in the <see cref="IRuleFiringStore"/> with the value that
/// triggered it; cooldowns and the daily maximum count the notifications sent. Evaluate on a schedule with
/// <see cref="CreateJob"/> (a <see cref="JobDefinition"/> for the scheduler), or as data arrives: rules whose
/// schedule is <see cref="RuleDefinition.OnArrival"/> are evaluated in the background when
/// <see cref="OnDataArrived"/> reports a write of a field they read (<see cref="Hosting.StudyPointWriter"/> does).
/// </summary>
public sealed partial class RuleEngine : IDisposable
{
    private readonly FrozenDictionary<string, (RuleDefinition Rule, Formula Formula, QuietHours? Quiet)> _rules;
    private readonly IReadOnlyDictionary<string, INotifier> _notifiers;
    private readonly IRuleFiringStore _firings;
    private readonly IPointReader _reader;
    private readonly Func<Tenant, FormulaScope> _scopes;
    private readonly IReadOnlyDictionary<string, TimeZoneInfo> _zones;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StudiesMetrics _metrics;

    /// <summary>Creates an engine.</summary>
    /// <param name="rules">The rules (unique names; formulas must parse).</param>
    /// <param name="notifiers">The notifiers by name; every rule's notifier must be here.</param>
    /// <param name="firings">Where firings are recorded.</param>
    /// <param name="reader">The store the formulas read.</param>
    /// <param name="scopes">Each tenant's analytics (e.g. <c>AnalyticsRegistry.GetScope</c>); none when omitted.</param>
    /// <param name="tenantTimeZones">IANA time zone per tenant id, for quiet hours and days; UTC when absent.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Meters (<c>cohort.studies.rules.firings</c>).</param>
    /// <exception cref="ArgumentException">A duplicate name, a formula that does not parse, a missing notifier or bad quiet hours.</exception>
    public RuleEngine(
        IEnumerable<RuleDefinition> rules,
        IReadOnlyDictionary<string, INotifier> notifiers,
        IRuleFiringStore firings,
        IPointReader reader,
        Func<Tenant, FormulaScope>? scopes = null,
        IReadOnlyDictionary<string, string>? tenantTimeZones = null,
        TimeProvider? timeProvider = null,
        ILogger<RuleEngine>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(notifiers);
        ArgumentNullException.ThrowIfNull(firings);
        ArgumentNullException.ThrowIfNull(reader);
        var compiled = new Dictionary<string, (RuleDefinition, Formula, QuietHours?)>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (!Formula.TryParse(rule.Formula, out var formula, out var error))
            {
                throw new ArgumentException($"Rule '{rule.Name}': {error!.Message}", nameof(rules));
            }

            if (!notifiers.ContainsKey(rule.Notifier))
            {
                throw new ArgumentException($"Rule '{rule.Name}': no notifier is named '{rule.Notifier}'.", nameof(notifiers));
            }

            QuietHours? quiet = null;
            if (rule.QuietHours is not null)
            {
                quiet = QuietHours.TryParse(rule.QuietHours, out var q) ? q : throw new ArgumentException($"Rule '{rule.Name}': quiet hours must be HH:mm-HH:mm.", nameof(rules));
            }

            if (!compiled.TryAdd(rule.Name, (rule, formula, quiet)))
            {
                throw new ArgumentException($"Two rules are named '{rule.Name}'.", nameof(rules));
            }
        }

        _rules = compiled.ToFrozenDictionary(StringComparer.Ordinal);
        Rules = [.. compiled.Values.Select(v => v.Item1)];
        _notifiers = notifiers;
        _firings = firings;
        _reader = reader;
        _scopes = scopes ?? (static _ => FormulaScope.Empty);
        _zones = (tenantTimeZones ?? new Dictionary<string, string>()).ToDictionary(
            p => p.Key,
            p => JobDefinition.FindTimeZone(p.Value, out var error) ?? throw new ArgumentException(error, nameof(tenantTimeZones)),
            StringComparer.Ordinal);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = new StudiesMetrics(meterFactory);
        _arrival = new ArrivalState([.. compiled.Values.Where(v => v.Item1.EvaluatesOnArrival).Select(v => v.Item1.Name)]);
    }

    /// <summary>The rules.</summary>
    public IReadOnlyList<RuleDefinition> Rules { get; }

    /// <summary>
    /// Evaluates one rule now for each of <paramref name="tenants"/> in its scope and returns the firings (sent,
    /// failed or suppressed); a tenant whose window holds no value does not fire.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No rule has this name.</exception>
    public async Task<IReadOnlyList<RuleFiring>> EvaluateAsync(string ruleName, IEnumerable<Tenant> tenants, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (!_rules.TryGetValue(ruleName, out var entry))
        {
            throw new KeyNotFoundException($"No rule is named '{ruleName}'.");
        }

        var rule = entry.Rule;
        var firings = new List<RuleFiring>();
        foreach (var tenant in tenants)
        {
            if (rule.Tenants.Count > 0 && !rule.Tenants.Contains(tenant.Id, StringComparer.Ordinal))
            {
                continue;
            }

            var now = _time.GetUtcNow();
            var range = TimeRange.Between(now - rule.Window, now);
            var series = await entry.Formula.Compile(_scopes(tenant)).EvaluateAsync(_reader, tenant, range, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (Reduce(series.Values.Span, rule.Aggregate, out var samples) is not { } value || !rule.Holds(value))
            {
                continue;
            }

            var status = await DecideAsync(entry.Rule, entry.Quiet, tenant, now, cancellationToken).ConfigureAwait(false);
            string? error = null;
            if (status == RuleFiringStatus.Notified)
            {
                try
                {
                    await _notifiers[rule.Notifier].NotifyAsync(new Notification(rule.Name, tenant.Id, value, now, rule.Message), cancellationToken).ConfigureAwait(false);
                    Log.RuleFired(_logger, rule.Name, tenant.Id, value);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    status = RuleFiringStatus.NotifyFailed;
                    error = e.Message;
                    Log.NotifyFailed(_logger, e, rule.Name, tenant.Id);
                }
            }

            var firing = new RuleFiring(rule.Name, tenant.Id, now, value, status)
            {
                WindowStart = now - rule.Window,
                WindowEnd = now,
                Samples = samples,
                Error = error,
            };
            await _firings.RecordAsync(firing, cancellationToken).ConfigureAwait(false);
            _metrics.RuleFirings.Add(1, new TagList { { "rule", rule.Name }, { "status", status.ToString() } });
            firings.Add(firing);
        }

        return firings;
    }

    /// <summary>
    /// A job (named <c>rule:&lt;name&gt;</c>, on the rule's schedule) that evaluates the rule for the tenants
    /// <paramref name="tenants"/> returns at each run; add it to the <see cref="JobScheduler"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No rule has this name.</exception>
    /// <exception cref="InvalidOperationException">The rule is evaluated on arrival (<see cref="RuleDefinition.OnArrival"/>).</exception>
    public JobDefinition CreateJob(string ruleName, Func<IEnumerable<Tenant>> tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (!_rules.TryGetValue(ruleName, out var entry))
        {
            throw new KeyNotFoundException($"No rule is named '{ruleName}'.");
        }

        if (entry.Rule.EvaluatesOnArrival)
        {
            throw new InvalidOperationException($"Rule '{ruleName}' is evaluated on arrival, not on a schedule.");
        }

        return new JobDefinition("rule:" + ruleName, entry.Rule.Schedule, async (_, ct) => await EvaluateAsync(ruleName, tenants(), ct).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeArrival();
        _metrics.Dispose();
    }

    private async Task<RuleFiringStatus> DecideAsync(RuleDefinition rule, QuietHours? quiet, Tenant tenant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var zone = _zones.GetValueOrDefault(tenant.Id, TimeZoneInfo.Utc);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        if (quiet is { } hours && hours.Contains(TimeOnly.FromDateTime(local.DateTime)))
        {
            return RuleFiringStatus.SuppressedByQuietHours;
        }

        if (rule.Cooldown is null && rule.MaxPerDay is null)
        {
            return RuleFiringStatus.Notified;
        }

        var localMidnight = new DateTimeOffset(local.Date, zone.GetUtcOffset(local.Date));
        var since = rule.Cooldown is { } cooldown && now - cooldown < localMidnight ? now - cooldown : localMidnight;
        var sent = (await _firings.QueryAsync(since, rule.Name, tenant.Id, cancellationToken).ConfigureAwait(false))
            .Where(f => f.Status == RuleFiringStatus.Notified)
            .ToList();
        if (rule.Cooldown is { } period && sent.Any(f => f.FiredAt > now - period))
        {
            return RuleFiringStatus.SuppressedByCooldown;
        }

        return rule.MaxPerDay is { } max && sent.Count(f => f.FiredAt >= localMidnight) >= max
            ? RuleFiringStatus.SuppressedByMaxPerDay
            : RuleFiringStatus.Notified;
    }

    private static double? Reduce(ReadOnlySpan<double> values, RuleAggregate aggregate, out int samples)
    {
        samples = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity, last = double.NaN;
        foreach (var v in values)
        {
            if (double.IsNaN(v))
            {
                continue;
            }

            samples++;
            sum += v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            last = v;
        }

        if (samples == 0)
        {
            return null;
        }

        return aggregate switch
        {
            RuleAggregate.Min => min,
            RuleAggregate.Max => max,
            RuleAggregate.Last => last,
            _ => sum / samples,
        };
    }
}
