using Cohort.Aggregation;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort.Aggregation in a service collection.</summary>
public static class AggregationServiceCollectionExtensions
{
    /// <summary>
    /// Registers the measure definitions (from <see cref="AggregationOptions.DefinitionsPath"/> and
    /// <see cref="AggregationOptions.Definitions"/>), the <see cref="MeasureAggregator"/>, and the
    /// <see cref="InProcessRollupEngine"/> as the <see cref="IRollupManager"/> (it needs an <see cref="IPointReader"/>
    /// from the host's store). Every registration is <c>TryAdd</c>, so a host can override any of them, e.g. with a SQL
    /// store's rollup manager.
    /// </summary>
    public static IServiceCollection AddCohortAggregation(this IServiceCollection services, Action<AggregationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AggregationOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(static o => o.RollupRefreshLag >= TimeSpan.Zero, "RollupRefreshLag must not be negative.")
            .Validate(static o => o.DefinitionsPath is null || File.Exists(o.DefinitionsPath), "DefinitionsPath names no file.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<AggregationOptions>>().Value;
            IEnumerable<MeasureDefinition> fromFile = o.DefinitionsPath is null ? [] : MeasureDefinitionSet.Parse(File.ReadAllText(o.DefinitionsPath));
            return new MeasureDefinitionSet([.. fromFile, .. o.Definitions]);
        });
        services.TryAddSingleton(static sp => new MeasureAggregator(
            sp.GetRequiredService<MeasureDefinitionSet>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<MeasureAggregator>>()));
        services.TryAddSingleton(static sp => new InProcessRollupEngine(
            sp.GetRequiredService<IPointReader>(),
            sp.GetRequiredService<IOptions<AggregationOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<InProcessRollupEngine>>()));
        services.TryAddSingleton<IRollupManager>(static sp => sp.GetRequiredService<InProcessRollupEngine>());
        return services;
    }
}
