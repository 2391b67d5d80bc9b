using Cohort.Aggregation;
using Cohort.Aggregation.Tests.Rollups;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cohort.Aggregation.Tests;

public class DependencyInjectionTests
{
    [Fact]
    public async Task Add_cohort_aggregation_registers_the_engine_and_the_rollup_manager()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, """{"definitions": [{"name": "from-file"}]}""");
        try
        {
            var services = new ServiceCollection();
            services.AddSingleton<IPointReader>(new InMemoryStore());
            services.AddCohortAggregation(o =>
            {
                o.DefinitionsPath = path;
                o.Definitions.Add(new MeasureDefinition("in-code"));
            });
            using var provider = services.BuildServiceProvider();

            var aggregator = provider.GetRequiredService<MeasureAggregator>();
            Assert.NotNull(aggregator.Definitions.Find("from-file"));
            Assert.NotNull(aggregator.Definitions.Find("in-code"));
            Assert.Same(provider.GetRequiredService<InProcessRollupEngine>(), provider.GetRequiredService<IRollupManager>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Invalid_options_are_reported()
    {
        var services = new ServiceCollection();
        services.AddCohortAggregation(o => o.RollupRefreshLag = TimeSpan.FromMinutes(-1));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AggregationOptions>>().Value);
    }
}
