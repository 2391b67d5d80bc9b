using Cohort.Encryption;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort.Encryption in a service collection.</summary>
public static class CohortEncryptionServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="CompositeKeyProvider"/> that asks, in order, every <see cref="IKeyProvider"/> registered
    /// by the host (a KMS or HSM provider), then the key folder, then environment variables; and the
    /// <see cref="EnvelopeDecryptor"/>, <see cref="AtRestProtector"/> and <see cref="BeiweDecryptorFactory"/> over it.
    /// </summary>
    public static IServiceCollection AddCohortEncryption(this IServiceCollection services, Action<CohortEncryptionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<CohortEncryptionOptions> options = services.AddOptions<CohortEncryptionOptions>()
            .Validate(static o => o.EnvironmentPrefix is not null, "EnvironmentPrefix cannot be null.")
            .Validate(static o => IsValid(o.AtRest), "AtRest.ChunkSize must be a power of two from 1 KiB to 16 MiB.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(static sp =>
        {
            CohortEncryptionOptions o = sp.GetRequiredService<IOptions<CohortEncryptionOptions>>().Value;
            List<IKeyProvider> providers = [.. sp.GetServices<IKeyProvider>()];
            if (o.KeyDirectory is not null)
            {
                providers.Add(new PemFileKeyProvider(o.KeyDirectory));
            }

            if (o.UseEnvironmentVariables)
            {
                providers.Add(new EnvironmentKeyProvider(o.EnvironmentPrefix));
            }

            return new CompositeKeyProvider(providers, sp.GetService<ILogger<CompositeKeyProvider>>());
        });
        services.TryAddSingleton(static sp => new EnvelopeDecryptor(sp.GetRequiredService<CompositeKeyProvider>()));
        services.TryAddSingleton(static sp => new BeiweDecryptorFactory(sp.GetRequiredService<CompositeKeyProvider>()));
        services.TryAddSingleton(static sp => new AtRestProtector(
            sp.GetRequiredService<CompositeKeyProvider>(), sp.GetRequiredService<IOptions<CohortEncryptionOptions>>().Value.AtRest));
        return services;
    }

    private static bool IsValid(EnvelopeOptions options)
    {
        try
        {
            options.ChunkSizeExponent();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
