using Cohort.Studies.Rules;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses where rule firings are recorded.</summary>
public static class RuleFiringStoreServiceCollectionExtensions
{
    /// <summary>
    /// Records rule firings in a <see cref="PostgresRuleFiringStore"/>, shared by the hosts on that database (so their
    /// cooldowns and daily maximums are shared). Replaces any <see cref="IRuleFiringStore"/> registered before, and
    /// <c>AddCohortStudy</c>'s SQLite default whether called before or after it.
    /// </summary>
    public static IServiceCollection AddCohortPostgresRuleFirings(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        services.RemoveAll<IRuleFiringStore>();
        services.AddSingleton<IRuleFiringStore>(_ => new PostgresRuleFiringStore(connectionString));
        return services;
    }

    /// <summary>Records rule firings in a <see cref="SqliteRuleFiringStore"/> in the file at <paramref name="path"/> (single host).</summary>
    public static IServiceCollection AddCohortSqliteRuleFirings(this IServiceCollection services, string path)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(path);
        services.RemoveAll<IRuleFiringStore>();
        services.AddSingleton<IRuleFiringStore>(_ => new SqliteRuleFiringStore(path));
        return services;
    }
}
