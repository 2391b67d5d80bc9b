using Cohort.Core;
using Cohort.Formulas;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Cohort.Formulas.</summary>
public static class FormulaServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="FormulaOptions"/> (validated at start) and a singleton <see cref="AnalyticsRegistry"/>, which
    /// uses the registered <see cref="IRollupManager"/> when there is one.
    /// </summary>
    public static IServiceCollection AddCohortFormulas(this IServiceCollection services, Action<FormulaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<FormulaOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(o => o.RollupPeriod > TimeSpan.Zero, "FormulaOptions.RollupPeriod must be positive.")
            .Validate(o => o.DefaultAlignment is not null, "FormulaOptions.DefaultAlignment must be set.")
            .ValidateOnStart();
        services.TryAddSingleton(sp => new AnalyticsRegistry(
            sp.GetRequiredService<IOptions<FormulaOptions>>(),
            sp.GetService<IRollupManager>(),
            sp.GetService<ILogger<AnalyticsRegistry>>()));
        return services;
    }
}
