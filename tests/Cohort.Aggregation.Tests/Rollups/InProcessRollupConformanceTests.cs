using Cohort.Aggregation;
using Cohort.Storage.Conformance;

namespace Cohort.Aggregation.Tests.Rollups;

/// <summary>The rollup contract suite against the in-process engine over an in-memory store.</summary>
public sealed class InProcessRollupConformanceTests : RollupConformanceTests
{
    protected override ValueTask<RollupsUnderTest> CreateAsync()
    {
        var store = new InMemoryStore();
        var engine = new InProcessRollupEngine(store, new AggregationOptions { RollupRefreshLag = TimeSpan.FromHours(1) }, Clock);
        return ValueTask.FromResult(new RollupsUnderTest(new RollupInvalidatingPointWriter(store, engine), engine, engine, engine.RefreshAllAsync) { Deleter = store });
    }
}
