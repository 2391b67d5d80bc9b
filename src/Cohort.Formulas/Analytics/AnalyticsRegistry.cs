using System.Collections.Concurrent;
using System.Collections.Immutable;
using Cohort.Core;
using Cohort.Formulas.Analytics;
using Cohort.Formulas.Binding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cohort.Formulas;

/// <summary>
/// The named analytics of every scope (tenant): create, replace, delete, list, import and export as JSON, and evaluate
/// over a time range from any <see cref="IPointReader"/>. Every change is checked as a whole (parse, bind, no cycles,
/// no dangling references) before it is applied, so a stored analytic always evaluates. For analytics with
/// <see cref="AnalyticDefinition.ContinuousAggregation"/>, the device fields they need are reference-counted and
/// <see cref="IRollupManager"/> is told when a field's count goes from 0 to 1 (ensure) and from 1 to 0 (drop).
/// Thread-safe.
/// </summary>
public sealed partial class AnalyticsRegistry : IDisposable
{
    private readonly ConcurrentDictionary<Tenant, ScopeState> _scopes = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly FormulaOptions _options;
    private readonly IRollupManager? _rollups;
    private readonly ILogger _logger;

    /// <summary>Creates a registry.</summary>
    /// <param name="options">The options; defaults when null.</param>
    /// <param name="rollups">Told which field rollups to keep; none are kept when null.</param>
    /// <param name="logger">Where changes are logged.</param>
    public AnalyticsRegistry(IOptions<FormulaOptions>? options = null, IRollupManager? rollups = null, ILogger<AnalyticsRegistry>? logger = null)
    {
        _options = options?.Value ?? new FormulaOptions();
        _rollups = rollups;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Defines a new analytic in a scope.</summary>
    /// <exception cref="FormulaException">The formula does not parse or bind in the scope.</exception>
    /// <exception cref="CohortException">An analytic of that name already exists.</exception>
    /// <exception cref="ArgumentException">The name is not a valid analytic name.</exception>
    public ValueTask CreateAsync(Tenant tenant, AnalyticDefinition analytic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analytic);
        return MutateAsync(tenant, analytic.Name, map =>
        {
            if (map.ContainsKey(analytic.Name))
            {
                throw new CohortException($"The analytic '{analytic.Name}' already exists in scope '{tenant}'; replace it instead.");
            }

            return map.SetItem(analytic.Name, analytic);
        }, cancellationToken);
    }

    /// <summary>Replaces the formula (and options) of an existing analytic; analytics that use it are re-checked.</summary>
    /// <exception cref="FormulaException">The formula does not parse or bind, or it makes a cycle.</exception>
    /// <exception cref="CohortException">No analytic of that name exists.</exception>
    public ValueTask ReplaceAsync(Tenant tenant, AnalyticDefinition analytic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analytic);
        return MutateAsync(tenant, analytic.Name, map => map.ContainsKey(analytic.Name)
            ? map.SetItem(analytic.Name, analytic)
            : throw new CohortException($"There is no analytic '{analytic.Name}' in scope '{tenant}' to replace."), cancellationToken);
    }

    /// <summary>Deletes an analytic; returns false when there was none of that name.</summary>
    /// <exception cref="CohortException">Other analytics refer to it (directly or through others).</exception>
    public async ValueTask<bool> DeleteAsync(Tenant tenant, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var deleted = false;
        await MutateAsync(tenant, null, map =>
        {
            var users = State(tenant).Compiled.Where(c => c.Key != name && c.Value.Analytics.Contains(name, StringComparer.Ordinal)).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
            if (users.Count > 0)
            {
                throw new CohortException($"The analytic '{name}' is used by {string.Join(", ", users.Select(u => "'" + u + "'"))}; change or delete those first.");
            }

            deleted = map.ContainsKey(name);
            return map.Remove(name);
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>The analytics of a scope, by name.</summary>
    public IReadOnlyList<AnalyticDefinition> List(Tenant tenant) =>
        [.. State(tenant).Definitions.Values.OrderBy(a => a.Name, StringComparer.Ordinal)];

    /// <summary>One analytic of a scope, or <see langword="null"/>.</summary>
    public AnalyticDefinition? Find(Tenant tenant, string name) =>
        State(tenant).Definitions.TryGetValue(name, out var analytic) ? analytic : null;

    /// <summary>The scope formulas are bound in for this tenant: its analytics, any device field.</summary>
    public FormulaScope GetScope(Tenant tenant) => State(tenant).Scope;

    /// <summary>Compiles an ad-hoc formula in the tenant's scope.</summary>
    /// <exception cref="FormulaException">The formula does not parse or bind.</exception>
    public CompiledFormula Compile(Tenant tenant, string formula) => Formula.Parse(formula).Compile(GetScope(tenant));

    /// <summary>
    /// Evaluates a named analytic over a time range, reading the device fields it needs from <paramref name="reader"/>
    /// and aligning them with <paramref name="alignment"/> (the options' default when null).
    /// </summary>
    /// <exception cref="CohortException">There is no analytic of that name.</exception>
    public ValueTask<TimeSeries> EvaluateAsync(Tenant tenant, string name, IPointReader reader, TimeRange range, AlignmentPolicy? alignment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var state = State(tenant);
        if (!state.Compiled.TryGetValue(name, out var compiled))
        {
            throw new CohortException($"There is no analytic '{name}' in scope '{tenant}'.");
        }

        return compiled.EvaluateAsync(reader, tenant, range, alignment ?? _options.DefaultAlignment, cancellationToken);
    }

    /// <summary>For each device field with a continuous rollup, how many aggregated analytics need it.</summary>
    public IReadOnlyDictionary<FieldReference, int> GetRollupReferences(Tenant tenant) => State(tenant).RollupCounts;

    /// <summary>The scope's analytics as human-readable JSON (see docs/formulas.md for the format).</summary>
    public string ExportJson(Tenant tenant) => AnalyticsJson.Write(tenant.Id, List(tenant));

    /// <summary>
    /// Imports analytics from JSON: each is created or replaced by name, others are kept. The whole import is checked
    /// first and applied all at once, or not at all. Returns how many analytics were imported.
    /// </summary>
    /// <exception cref="CohortException">The JSON is malformed.</exception>
    /// <exception cref="FormulaException">A formula does not parse or bind.</exception>
    public async ValueTask<int> ImportJsonAsync(Tenant tenant, string json, CancellationToken cancellationToken = default)
    {
        var definitions = AnalyticsJson.Read(json);
        await MutateAsync(tenant, null, map => map.SetItems(definitions.Select(d => KeyValuePair.Create(d.Name, d))), cancellationToken).ConfigureAwait(false);
        return definitions.Count;
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private ScopeState State(Tenant tenant) => _scopes.TryGetValue(tenant, out var state) ? state : ScopeState.Empty;

    private async ValueTask MutateAsync(Tenant tenant, string? changed, Func<ImmutableDictionary<string, AnalyticDefinition>, ImmutableDictionary<string, AnalyticDefinition>> change, CancellationToken cancellationToken)
    {
        if (changed is not null && !AnalyticNames.IsValid(changed, out var reason))
        {
            throw new ArgumentException(reason, nameof(changed));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = State(tenant);
            var after = ScopeState.Build(change(before.Definitions), changed);
            var period = _options.RollupPeriod;
            if (_rollups is not null)
            {
                foreach (var field in after.RollupCounts.Keys.Where(f => !before.RollupCounts.ContainsKey(f)))
                {
                    await _rollups.EnsureRollupAsync(new RollupDefinition(tenant, field, period), cancellationToken).ConfigureAwait(false);
                    LogRollupEnsured(_logger, tenant.Id, field);
                }
            }

            _scopes[tenant] = after;
            foreach (var name in after.Definitions.Keys.Where(n => !before.Definitions.TryGetValue(n, out var old) || old != after.Definitions[n]))
            {
                LogAnalyticDefined(_logger, tenant.Id, name, after.Definitions[name].Formula);
            }

            foreach (var name in before.Definitions.Keys.Where(n => !after.Definitions.ContainsKey(n)))
            {
                LogAnalyticDeleted(_logger, tenant.Id, name);
            }

            if (_rollups is not null)
            {
                foreach (var field in before.RollupCounts.Keys.Where(f => !after.RollupCounts.ContainsKey(f)))
                {
                    await _rollups.DropRollupAsync(new RollupDefinition(tenant, field, period), cancellationToken).ConfigureAwait(false);
                    LogRollupDropped(_logger, tenant.Id, field);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analytic {Name} in scope {Scope} is now {Formula}")]
    private static partial void LogAnalyticDefined(ILogger logger, string scope, string name, string formula);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analytic {Name} in scope {Scope} was deleted")]
    private static partial void LogAnalyticDeleted(ILogger logger, string scope, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Continuous rollup of {Field} in scope {Scope} ensured")]
    private static partial void LogRollupEnsured(ILogger logger, string scope, FieldReference field);

    [LoggerMessage(Level = LogLevel.Information, Message = "Continuous rollup of {Field} in scope {Scope} dropped: no analytic needs it")]
    private static partial void LogRollupDropped(ILogger logger, string scope, FieldReference field);

    /// <summary>One scope's analytics, checked and compiled, and the rollup reference counts they imply.</summary>
    private sealed record ScopeState(
        ImmutableDictionary<string, AnalyticDefinition> Definitions,
        FormulaScope Scope,
        ImmutableDictionary<string, CompiledFormula> Compiled,
        ImmutableDictionary<FieldReference, int> RollupCounts)
    {
        public static ScopeState Empty { get; } = new(
            ImmutableDictionary.Create<string, AnalyticDefinition>(StringComparer.Ordinal),
            FormulaScope.Empty,
            ImmutableDictionary.Create<string, CompiledFormula>(StringComparer.Ordinal),
            ImmutableDictionary<FieldReference, int>.Empty);

        /// <summary>Parses, binds and compiles every analytic (the changed one first, so its errors are reported as its own).</summary>
        public static ScopeState Build(ImmutableDictionary<string, AnalyticDefinition> definitions, string? changed)
        {
            var parsed = definitions.ToDictionary(d => d.Key, d => d.Value.Parse(), StringComparer.Ordinal);
            var scope = new FormulaScope(parsed);
            var order = definitions.Keys.OrderBy(n => n == changed ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal);
            var compiled = ImmutableDictionary.CreateBuilder<string, CompiledFormula>(StringComparer.Ordinal);
            var counts = new Dictionary<FieldReference, int>();
            foreach (var name in order)
            {
                var result = CompiledFormula.Create(parsed[name], Binder.Bind(parsed[name], scope, name));
                compiled.Add(name, result);
                if (definitions[name].ContinuousAggregation)
                {
                    foreach (var field in result.Inputs)
                    {
                        counts[field] = counts.GetValueOrDefault(field) + 1;
                    }
                }
            }

            return new ScopeState(definitions, scope, compiled.ToImmutable(), counts.ToImmutableDictionary());
        }
    }
}
