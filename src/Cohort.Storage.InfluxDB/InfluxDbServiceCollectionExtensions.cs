using Cohort.Core;
using Cohort.Storage.InfluxDB;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the InfluxDB store.</summary>
public static class InfluxDbServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="InfluxDbPointStore"/> as a singleton and as the <see cref="IPointWriter"/>,
    /// <see cref="IPointReader"/> and <see cref="IPointDeleter"/> (unless others are registered already), with options validated at start. The store
    /// owns its <see cref="HttpClient"/> (a pooled <see cref="System.Net.Http.SocketsHttpHandler"/>).
    /// </summary>
    public static IServiceCollection AddCohortInfluxDB(this IServiceCollection services, Action<InfluxDbStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<InfluxDbStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InfluxDbStoreOptions>, InfluxDbStoreOptionsValidator>());
        services.TryAddSingleton(static provider => new InfluxDbPointStore(
            provider.GetRequiredService<IOptions<InfluxDbStoreOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton<IPointWriter>(static provider => provider.GetRequiredService<InfluxDbPointStore>());
        services.TryAddSingleton<IPointReader>(static provider => provider.GetRequiredService<InfluxDbPointStore>());
        services.TryAddSingleton<IPointDeleter>(static provider => provider.GetRequiredService<InfluxDbPointStore>());
        return services;
    }
}

internal sealed class InfluxDbStoreOptionsValidator : IValidateOptions<InfluxDbStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, InfluxDbStoreOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
