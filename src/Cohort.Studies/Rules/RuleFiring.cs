namespace Cohort.Studies.Rules;

/// <summary>What became of a rule that held.</summary>
public enum RuleFiringStatus
{
    /// <summary>The notifier delivered it.</summary>
    Notified = 0,

    /// <summary>The notifier failed (its error is recorded).</summary>
    NotifyFailed = 1,

    /// <summary>Not sent: within the cooldown of the last notification.</summary>
    SuppressedByCooldown = 2,

    /// <summary>Not sent: the tenant's local time was within quiet hours.</summary>
    SuppressedByQuietHours = 3,

    /// <summary>Not sent: the maximum per local day was reached.</summary>
    SuppressedByMaxPerDay = 4,
}

/// <summary>One firing: a rule held for a tenant, with the values that triggered it and what was done.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="FiredAt">When.</param>
/// <param name="Value">The aggregate of the window.</param>
/// <param name="Status">Whether it was sent, failed or suppressed.</param>
public sealed record RuleFiring(string Rule, string Tenant, DateTimeOffset FiredAt, double Value, RuleFiringStatus Status)
{
    /// <summary>The window's start (inclusive).</summary>
    public DateTimeOffset WindowStart { get; init; }

    /// <summary>The window's end (exclusive).</summary>
    public DateTimeOffset WindowEnd { get; init; }

    /// <summary>How many values the window held.</summary>
    public int Samples { get; init; }

    /// <summary>The notifier's error, when it failed.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// The firing in the current row of a store's query: rule, tenant, fired_at, value, status, window_start,
    /// window_end, samples, error (times as Unix milliseconds, status by name).
    /// </summary>
    internal static RuleFiring Read(System.Data.Common.DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetDouble(3), Enum.Parse<RuleFiringStatus>(reader.GetString(4)))
        {
            WindowStart = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            WindowEnd = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
            Samples = reader.GetInt32(7),
            Error = reader.IsDBNull(8) ? null : reader.GetString(8),
        };
}

/// <summary>Records firings and answers queries about them (cooldowns and maximum per day read it too).</summary>
public interface IRuleFiringStore
{
    /// <summary>Records a firing.</summary>
    ValueTask RecordAsync(RuleFiring firing, CancellationToken cancellationToken = default);

    /// <summary>Firings from <paramref name="since"/> on, oldest first, optionally of one rule and one tenant.</summary>
    ValueTask<IReadOnlyList<RuleFiring>> QueryAsync(DateTimeOffset since, string? rule = null, string? tenant = null, CancellationToken cancellationToken = default);
}
