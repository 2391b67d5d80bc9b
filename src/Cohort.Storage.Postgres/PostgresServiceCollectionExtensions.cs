using Cohort.Core;
using Cohort.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PostgresPointStore"/> as a singleton and as the <see cref="IPointWriter"/>,
    /// <see cref="IPointReader"/> and <see cref="IPointDeleter"/>, and its <see cref="PostgresPointStore.Rollups"/> as the <see cref="IRollupManager"/>
    /// and <see cref="IRollupReader"/> (each unless one is registered already: call it before <c>AddCohortAggregation</c>
    /// to have rollups pushed down to PostgreSQL), with options validated at start.
    /// </summary>
    public static IServiceCollection AddCohortPostgres(this IServiceCollection services, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PostgresStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresStoreOptions>, PostgresStoreOptionsValidator>());
        services.TryAddSingleton(static provider => new PostgresPointStore(
            provider.GetRequiredService<IOptions<PostgresStoreOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton<IPointWriter>(static provider => provider.GetRequiredService<PostgresPointStore>());
        services.TryAddSingleton<IPointReader>(static provider => provider.GetRequiredService<PostgresPointStore>());
        services.TryAddSingleton<IPointDeleter>(static provider => provider.GetRequiredService<PostgresPointStore>());
        services.TryAddSingleton<IRollupManager>(static provider => provider.GetRequiredService<PostgresPointStore>().Rollups);
        services.TryAddSingleton<IRollupReader>(static provider => provider.GetRequiredService<PostgresPointStore>().Rollups);
        return services;
    }
}

internal sealed class PostgresStoreOptionsValidator : IValidateOptions<PostgresStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresStoreOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
