using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cohort.Aggregation;
using Cohort.Core;
using Cohort.Devices.Configuration;
using Cohort.Devices.Drivers;
using Cohort.Formulas;
using Cohort.Studies.Internal;
using Cohort.Studies.Jobs;
using Cohort.Studies.Rules;

namespace Cohort.Studies.Manifest;

/// <summary>
/// Reads and validates study manifests. Validation reuses each package's own checks (Cohort.Devices configuration
/// validation with the registered drivers, Cohort.Formulas binding with the error column, Cohort.Aggregation measure
/// definitions) and adds the manifest's own (unique names, references to keys, notifiers and tenants, cron
/// expressions, durations), naming the JSON path of every problem.
/// </summary>
public static class StudyManifestReader
{
    /// <summary>The reserved words a key reference must not look like: key material is never allowed in a manifest.</summary>
    private static readonly string[] MaterialMarkers = ["-----BEGIN", "PRIVATE KEY"];

    private static readonly string[] KeyProviders = ["file", "environment", "keystore"];
    private static readonly string[] TenantKinds = ["house", "participant", "user"];
    private static readonly string[] JobKinds = ["aggregation", "purge", "rollup-refresh", "export", "rules", "user"];
    private static readonly string[] RuleAggregates = ["mean", "min", "max", "last"];

    /// <summary>camelCase, comments and trailing commas allowed, unknown properties rejected, indented output.</summary>
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Parses and validates a manifest.</summary>
    /// <exception cref="StudyManifestException">The JSON is malformed, has an unknown property or a wrong type (one problem), or is invalid (every problem).</exception>
    public static StudyManifest Parse(string json, DeviceDriverRegistry drivers)
    {
        var manifest = ParseUnvalidated(json);
        var problems = Validate(manifest, drivers);
        return problems.Count == 0 ? manifest : throw new StudyManifestException(problems);
    }

    /// <summary>Reads, parses and validates a manifest file.</summary>
    /// <exception cref="StudyManifestException">The manifest is invalid.</exception>
    public static async Task<StudyManifest> LoadAsync(string path, DeviceDriverRegistry drivers, CancellationToken cancellationToken = default)
    {
        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(json, drivers);
    }

    /// <summary>Parses a manifest without the semantic checks (for diffs of drafts).</summary>
    /// <exception cref="StudyManifestException">The JSON is malformed, or has an unknown property or a wrong type.</exception>
    public static StudyManifest ParseUnvalidated(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<StudyManifest>(json, JsonOptions)
                ?? throw new StudyManifestException([new Rejection("must be an object") { Field = "$" }]);
        }
        catch (JsonException e)
        {
            throw new StudyManifestException([Describe(e)]);
        }
    }

    /// <summary>Every problem of a parsed manifest, in document order; empty when it is valid.</summary>
    public static IReadOnlyList<Rejection> Validate(StudyManifest manifest, DeviceDriverRegistry drivers)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(drivers);
        var problems = new List<Rejection>();
        void Problem(string path, string reason) => problems.Add(new Rejection(reason) { Field = path });

        if (string.IsNullOrWhiteSpace(manifest.Study))
        {
            Problem("$.study", "is required");
        }

        if (manifest.Version != 1)
        {
            Problem("$.version", $"version {manifest.Version} is not supported (1 is)");
        }

        var keys = UniqueNames(manifest.Keys, k => k?.Name, "$.keys", "key", Problem);
        for (var i = 0; i < manifest.Keys.Count; i++)
        {
            ValidateKey(manifest.Keys[i], At("$.keys", i), Problem);
        }

        var tenants = UniqueNames(manifest.Tenants, t => t?.Id, "$.tenants", "tenant", Problem, nameProperty: "id");
        var fieldsByTenant = new Dictionary<string, FormulaScope>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Tenants.Count; i++)
        {
            var tenant = manifest.Tenants[i];
            if (tenant is null)
            {
                continue;
            }

            var path = At("$.tenants", i);
            if (!Tenant.IsValid(tenant.Id, out var reason))
            {
                Problem(path + ".id", $"is not a valid tenant id: {reason}");
            }

            Check(TenantKinds.Contains(tenant.Kind), path + ".kind", $"must be one of {string.Join(", ", TenantKinds)}", Problem);
            CheckZone(tenant.TimeZone, path + ".timeZone", Problem);
            CheckReference(tenant.EncryptionKey, keys, path + ".encryptionKey", "key", Problem);
            foreach (var problem in new HouseConfiguration { House = tenant.Id, Devices = tenant.Devices ?? [] }.Validate(drivers))
            {
                Problem(path + problem.Path[1..], problem.Message); // "$.devices[0].type" -> "$.tenants[i].devices[0].type"
            }

            var scope = ValidateAnalytics(tenant, path, Problem);
            if (!string.IsNullOrEmpty(tenant.Id))
            {
                fieldsByTenant.TryAdd(tenant.Id, scope);
            }
        }

        ValidateMeasures(manifest.Measures, Problem);
        for (var i = 0; i < manifest.Rollups.Count; i++)
        {
            var rollup = manifest.Rollups[i];
            var path = At("$.rollups", i);
            Check(FieldReference.TryParse(rollup.Field, out _), path + ".field", "must be a field reference 'device.field'", Problem);
            CheckDuration(rollup.Period, path + ".period", Problem);
        }

        if (manifest.Retention is { } retention)
        {
            CheckDuration(retention.Raw, "$.retention.raw", Problem, optional: true);
            CheckDuration(retention.Rollups, "$.retention.rollups", Problem, optional: true);
            CheckDuration(retention.Exports, "$.retention.exports", Problem, optional: true);
        }

        UniqueNames(manifest.Schedules, s => s?.Name, "$.schedules", "schedule", Problem);
        for (var i = 0; i < manifest.Schedules.Count; i++)
        {
            var schedule = manifest.Schedules[i];
            var path = At("$.schedules", i);
            Check(JobKinds.Contains(schedule.Job), path + ".job", $"must be one of {string.Join(", ", JobKinds)}", Problem);
            CheckCron(schedule.Cron, path + ".cron", Problem);
            CheckZone(schedule.TimeZone, path + ".timeZone", Problem);
            Check(schedule.MaxAttempts >= 1, path + ".maxAttempts", "must be at least 1", Problem);
        }

        var notifiers = UniqueNames(manifest.Notifiers, n => n?.Name, "$.notifiers", "notifier", Problem);
        for (var i = 0; i < manifest.Notifiers.Count; i++)
        {
            var notifier = manifest.Notifiers[i];
            var path = At("$.notifiers", i);
            Check(!string.IsNullOrWhiteSpace(notifier.Type), path + ".type", "is required", Problem);
            if (string.Equals(notifier.Type, "webhook", StringComparison.Ordinal))
            {
                Check(notifier.Url is { IsAbsoluteUri: true } url && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps),
                    path + ".url", "a webhook needs an absolute http or https URL", Problem);
            }

            CheckReference(notifier.SigningKey, keys, path + ".signingKey", "key", Problem);
        }

        UniqueNames(manifest.Rules, r => r?.Name, "$.rules", "rule", Problem);
        for (var i = 0; i < manifest.Rules.Count; i++)
        {
            ValidateRule(manifest.Rules[i], At("$.rules", i), tenants, notifiers, fieldsByTenant, Problem);
        }

        return problems;
    }

    private static void ValidateKey(ManifestKey key, string path, Action<string, string> problem)
    {
        Check(KeyProviders.Contains(key.Provider), path + ".provider", $"must be one of {string.Join(", ", KeyProviders)}", problem);
        if (string.IsNullOrWhiteSpace(key.Reference))
        {
            problem(path + ".reference", "is required");
        }
        else if (MaterialMarkers.Any(m => key.Reference.Contains(m, StringComparison.OrdinalIgnoreCase)) || key.Reference.Length > 512)
        {
            problem(path + ".reference", "looks like key material: a manifest holds only references (a file path, an environment variable or a key-store id)");
        }
    }

    private static FormulaScope ValidateAnalytics(ManifestTenant tenant, string path, Action<string, string> problem)
    {
        var analytics = tenant.Analytics ?? [];
        UniqueNames(analytics, a => a?.Name, path + ".analytics", "analytic", problem);
        var parsed = new List<KeyValuePair<string, Formula>>();
        var indexes = new List<int>();
        for (var a = 0; a < analytics.Count; a++)
        {
            var analytic = analytics[a];
            if (analytic is null || string.IsNullOrEmpty(analytic.Name))
            {
                continue;
            }

            if (Formula.TryParse(analytic.Formula ?? "", out var formula, out var error))
            {
                if (!parsed.Any(p => p.Key == analytic.Name))
                {
                    parsed.Add(KeyValuePair.Create(analytic.Name, formula));
                    indexes.Add(a);
                }
            }
            else
            {
                problem(At(path + ".analytics", a) + ".formula", DescribeFormula(error!));
            }
        }

        // Bind each analytic in the scope of all of them: unknown functions, arity, unknown analytics and cycles.
        var scope = new FormulaScope(parsed);
        for (var p = 0; p < parsed.Count; p++)
        {
            try
            {
                parsed[p].Value.Compile(scope);
            }
            catch (FormulaException error)
            {
                problem(At(path + ".analytics", indexes[p]) + ".formula", DescribeFormula(error));
            }
        }

        return scope;
    }

    /// <summary>The measure definitions of a manifest's <c>measures</c> array.</summary>
    /// <exception cref="MeasureDefinitionException">A definition is invalid.</exception>
    internal static MeasureDefinitionSet ParseMeasures(JsonElement measures) =>
        MeasureDefinitionSet.Parse("{\"definitions\":" + measures.GetRawText() + "}");

    private static void ValidateMeasures(JsonElement? measures, Action<string, string> problem)
    {
        if (measures is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            problem("$.measures", "must be an array of measure definitions");
            return;
        }

        try
        {
            _ = ParseMeasures(element);
        }
        catch (MeasureDefinitionException error)
        {
            foreach (var rejection in error.Errors)
            {
                var field = rejection.Field ?? "";
                var path = field.StartsWith("definitions", StringComparison.Ordinal) ? "$.measures" + field["definitions".Length..] : "$.measures";
                problem(path, rejection.Reason);
            }
        }
    }

    private static void ValidateRule(
        ManifestRule rule,
        string path,
        IReadOnlyDictionary<string, int> tenants,
        IReadOnlyDictionary<string, int> notifiers,
        Dictionary<string, FormulaScope> scopes,
        Action<string, string> problem)
    {
        if (!Formula.TryParse(rule.Formula ?? "", out var formula, out var error))
        {
            problem(path + ".formula", DescribeFormula(error!));
        }
        else
        {
            // Bind in each tenant's scope (its analytics): the rule must make sense for every tenant it covers.
            var covered = rule.Tenants is { Count: > 0 } ? rule.Tenants.Where(scopes.ContainsKey) : scopes.Keys;
            foreach (var tenant in covered.DefaultIfEmpty(null))
            {
                try
                {
                    formula.Compile(tenant is null ? FormulaScope.Empty : scopes[tenant]);
                }
                catch (FormulaException bindError)
                {
                    problem(path + ".formula", DescribeFormula(bindError) + (tenant is null ? "" : $" (for tenant '{tenant}')"));
                    break;
                }
            }
        }

        CheckDuration(rule.Window, path + ".window", problem);
        Check(RuleAggregates.Contains(rule.Aggregate), path + ".aggregate", $"must be one of {string.Join(", ", RuleAggregates)}", problem);
        Check(rule.Above is not null || rule.Below is not null, path, "needs 'above' or 'below'", problem);
        CheckReference(rule.Notifier, notifiers, path + ".notifier", "notifier", problem, required: true);
        CheckDuration(rule.Cooldown, path + ".cooldown", problem, optional: true);
        Check(rule.QuietHours is null || QuietHours.TryParse(rule.QuietHours, out _), path + ".quietHours", "must be HH:mm-HH:mm", problem);
        Check(rule.MaxPerDay is null or >= 1, path + ".maxPerDay", "must be at least 1", problem);
        if (rule.Schedule is not null and not RuleDefinition.OnArrival)
        {
            CheckCron(rule.Schedule, path + ".schedule", problem);
        }

        for (var t = 0; t < (rule.Tenants?.Count ?? 0); t++)
        {
            CheckReference(rule.Tenants![t], tenants, At(path + ".tenants", t), "tenant", problem, required: true);
        }
    }

    private static Dictionary<string, int> UniqueNames<T>(
        IReadOnlyList<T>? items, Func<T?, string?> name, string path, string what, Action<string, string> problem, string nameProperty = "name")
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        if (items is null)
        {
            problem(path, "must be an array");
            return seen;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var value = name(items[i]);
            if (items[i] is null)
            {
                problem(At(path, i), "must be an object");
            }
            else if (string.IsNullOrWhiteSpace(value))
            {
                problem(At(path, i) + "." + nameProperty, "is required");
            }
            else if (seen.TryGetValue(value, out var first))
            {
                problem(At(path, i) + "." + nameProperty, $"duplicate {what} {nameProperty} '{value}' (first used by {At(path, first)})");
            }
            else
            {
                seen.Add(value, i);
            }
        }

        return seen;
    }

    private static void CheckReference(string? name, IReadOnlyDictionary<string, int> known, string path, string what, Action<string, string> problem, bool required = false)
    {
        if (string.IsNullOrEmpty(name))
        {
            Check(!required, path, "is required", problem);
        }
        else if (!known.ContainsKey(name))
        {
            problem(path, $"reference to a missing {what} '{name}'");
        }
    }

    private static void CheckCron(string? cron, string path, Action<string, string> problem)
    {
        if (JobDefinition.ParseCron(cron, out var error) is null)
        {
            problem(path, error);
        }
    }

    private static void CheckZone(string? zone, string path, Action<string, string> problem)
    {
        if (zone is not null && JobDefinition.FindTimeZone(zone, out var error) is null)
        {
            problem(path, error);
        }
    }

    private static void CheckDuration(string? text, string path, Action<string, string> problem, bool optional = false)
    {
        if (text is null && optional)
        {
            return;
        }

        Check(Durations.TryParse(text, out var duration) && duration > TimeSpan.Zero, path, Durations.Expected, problem);
    }

    private static void Check(bool ok, string path, string reason, Action<string, string> problem)
    {
        if (!ok)
        {
            problem(path, reason);
        }
    }

    private static string At(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");

    private static string DescribeFormula(FormulaException error) =>
        string.Create(CultureInfo.InvariantCulture, $"formula error at column {error.Column}: {error.Reason}");

    private static Rejection Describe(JsonException e)
    {
        var text = e.Message;
        var cut = text.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut > 0)
        {
            text = text[..cut];
        }

        if (text.Contains("could not be mapped", StringComparison.Ordinal))
        {
            text = "is not a known property";
        }

        var where = e.LineNumber is long line
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {e.BytePositionInLine + 1})")
            : "";
        return new Rejection(text + where) { Field = string.IsNullOrEmpty(e.Path) ? "$" : e.Path, Line = null };
    }
}
