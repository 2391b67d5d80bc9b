using System.Diagnostics.Metrics;
using Cohort.Core;
using Cohort.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SqlitePointStore"/> as a singleton and as the <see cref="IPointWriter"/>,
    /// <see cref="IPointReader"/> and <see cref="IPointDeleter"/> (unless others are registered already), with options validated at start.
    /// </summary>
    public static IServiceCollection AddCohortSqlite(this IServiceCollection services, Action<SqliteStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SqliteStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        services.TryAddSingleton(static provider => new SqlitePointStore(
            provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<IMeterFactory>()));
        services.TryAddSingleton<IPointWriter>(static provider => provider.GetRequiredService<SqlitePointStore>());
        services.TryAddSingleton<IPointReader>(static provider => provider.GetRequiredService<SqlitePointStore>());
        services.TryAddSingleton<IPointDeleter>(static provider => provider.GetRequiredService<SqlitePointStore>());
        return services;
    }
}

internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
