using Cohort.Studies.Internal;
using Cohort.Studies.Manifest;

namespace Cohort.Studies.Rules;

/// <summary>How a rule reduces its window to one value.</summary>
public enum RuleAggregate
{
    /// <summary>The mean of the values.</summary>
    Mean = 0,

    /// <summary>The smallest value.</summary>
    Min = 1,

    /// <summary>The largest value.</summary>
    Max = 2,

    /// <summary>The latest value.</summary>
    Last = 3,
}

/// <summary>
/// A rule: <see cref="Formula"/> over the trailing <see cref="Window"/>, reduced by <see cref="Aggregate"/>, compared
/// with <see cref="Above"/> / <see cref="Below"/>; when it holds for a tenant in scope, <see cref="Notifier"/> is
/// called unless a cooldown, quiet hours or the maximum per day says no.
/// </summary>
/// <param name="Name">The unique name.</param>
/// <param name="Formula">The formula, over device fields and the tenant's analytics.</param>
/// <param name="Notifier">The name of the <see cref="INotifier"/> to call.</param>
public sealed record RuleDefinition(string Name, string Formula, string Notifier)
{
    /// <summary>The <see cref="Schedule"/> of a rule evaluated as data arrives rather than on a cron schedule.</summary>
    public const string OnArrival = "on-arrival";

    /// <summary>The trailing window evaluated (default 1 hour).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How the window is reduced (default mean).</summary>
    public RuleAggregate Aggregate { get; init; } = RuleAggregate.Mean;

    /// <summary>Holds when the aggregate is above this.</summary>
    public double? Above { get; init; }

    /// <summary>Holds when the aggregate is below this.</summary>
    public double? Below { get; init; }

    /// <summary>The text sent (e.g. which survey to open).</summary>
    public string? Message { get; init; }

    /// <summary>The least time between two notifications of one tenant.</summary>
    public TimeSpan? Cooldown { get; init; }

    /// <summary>Local hours with no notification, <c>HH:mm-HH:mm</c> (may wrap midnight).</summary>
    public string? QuietHours { get; init; }

    /// <summary>The most notifications per tenant per local day.</summary>
    public int? MaxPerDay { get; init; }

    /// <summary>The tenants in scope; all tenants evaluated when empty.</summary>
    public IReadOnlyList<string> Tenants { get; init; } = [];

    /// <summary>
    /// When the rule is evaluated: a cron expression (default every 5 minutes), or <see cref="OnArrival"/> to evaluate
    /// it for a tenant as that tenant's data for a field the formula reads is written.
    /// </summary>
    public string Schedule { get; init; } = "*/5 * * * *";

    /// <summary>Whether the rule is evaluated as data arrives (<see cref="Schedule"/> is <see cref="OnArrival"/>) rather than on a cron schedule.</summary>
    public bool EvaluatesOnArrival => string.Equals(Schedule, OnArrival, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="value"/> meets the threshold(s).</summary>
    public bool Holds(double value) => (Above is null || value > Above) && (Below is null || value < Below) && (Above is not null || Below is not null);

    /// <summary>The rule a manifest describes (validate the manifest first).</summary>
    public static RuleDefinition FromManifest(ManifestRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new RuleDefinition(rule.Name, rule.Formula, rule.Notifier)
        {
            Window = Durations.Parse(rule.Window),
            Aggregate = Enum.Parse<RuleAggregate>(rule.Aggregate, ignoreCase: true),
            Above = rule.Above,
            Below = rule.Below,
            Message = rule.Message,
            Cooldown = rule.Cooldown is null ? null : Durations.Parse(rule.Cooldown),
            QuietHours = rule.QuietHours,
            MaxPerDay = rule.MaxPerDay,
            Tenants = rule.Tenants,
            Schedule = rule.Schedule ?? "*/5 * * * *",
        };
    }
}
