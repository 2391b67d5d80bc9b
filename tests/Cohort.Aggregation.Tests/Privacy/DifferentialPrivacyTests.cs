using Cohort.Aggregation;
using Cohort.Aggregation.Privacy;
using Microsoft.Extensions.Time.Testing;
using static Cohort.Aggregation.Tests.Engine.Measures;

namespace Cohort.Aggregation.Tests.Privacy;

public class DifferentialPrivacyTests
{
    private static MeasureAggregator Engine(PrivacyPolicy privacy, int seed = 7)
    {
        var engine = new MeasureAggregator(
            new MeasureDefinitionSet([new MeasureDefinition("m") { Org = "cozy", AggregationThreshold = 5, Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles, Privacy = privacy }]),
            new FakeTimeProvider(Date("2022-01-10")))
        {
            Noise = new SeededNoiseSource(seed),
        };
        engine.AddAll([.. Enumerable.Range(0, 100).Select(i => M("m", i % 10, "2021-05-01"))]);
        engine.AddAll(M("m", 1_000_000, "2021-05-01"));
        engine.Aggregate();
        return engine;
    }

    [Fact]
    public void Noisy_results_release_only_what_the_noise_covers()
    {
        var engine = Engine(new PrivacyPolicy(NoiseMechanism.Laplace, 1, 0, 10) { Budget = 100 });

        var r = Assert.Single(engine.Query(Query("m")));

        Assert.True(r.IsNoisy);
        Assert.Null(r.Min);
        Assert.Null(r.Max);
        Assert.Null(r.Std);
        Assert.Null(r.Median);
        Assert.NotNull(r.Sum);
        Assert.InRange(r.Avg!.Value, 0, 10);
    }

    [Fact]
    public void Values_are_clamped_to_the_bounds_before_summing()
    {
        // 100 values 0..9 sum to 450, the outlier is clamped to 10: the true clamped sum is 460.
        var engine = Engine(new PrivacyPolicy(NoiseMechanism.Laplace, 1, 0, 10) { Budget = 1000 });

        var sums = Enumerable.Range(0, 200).Select(_ => Assert.Single(engine.Query(Query("m"))).Sum!.Value).ToArray();

        Assert.InRange(sums.Average(), 455, 465);
    }

    [Fact]
    public void Laplace_noise_has_the_calibrated_scale()
    {
        var policy = new PrivacyPolicy(NoiseMechanism.Laplace, 0.3, 0, 10);
        var source = new SeededNoiseSource(1);

        var samples = Enumerable.Range(0, 200_000).Select(_ => DifferentialPrivacy.Noise(policy, 1, source)).ToArray();

        // Epsilon split in three: b = 1 / 0.1 = 10; E|X| = b, E[X] = 0.
        Assert.Equal(10, DifferentialPrivacy.Scale(policy, 1), 12);
        Assert.InRange(samples.Average(), -0.2, 0.2);
        Assert.InRange(samples.Average(Math.Abs), 9.8, 10.2);
    }

    [Fact]
    public void Gaussian_noise_has_the_calibrated_standard_deviation()
    {
        var policy = new PrivacyPolicy(NoiseMechanism.Gaussian, 0.5, -5, 10) { Delta = 1e-5 };
        var source = new SeededNoiseSource(2);

        var sigma = DifferentialPrivacy.Scale(policy, DifferentialPrivacy.SumSensitivity(policy));
        var samples = Enumerable.Range(0, 200_000).Select(_ => DifferentialPrivacy.Noise(policy, 10, source)).ToArray();

        Assert.Equal(10 * Math.Sqrt(2 * Math.Log(1.25 / (1e-5 / 3))) / (0.5 / 3), sigma, 9);
        var std = Math.Sqrt(samples.Average(x => x * x));
        Assert.InRange(std / sigma, 0.99, 1.01);
    }

    [Fact]
    public void Queries_are_refused_once_the_budget_is_spent()
    {
        var engine = Engine(new PrivacyPolicy(NoiseMechanism.Laplace, 0.5, 0, 10) { Budget = 1.5 });

        engine.Query(Query("m"));
        engine.Query(Query("m"));
        engine.Query(Query("m"));

        Assert.Equal(1.5, engine.GetStatus("m").PrivacyBudgetSpent, 12);
        Assert.Throws<PrivacyBudgetExhaustedException>(() => engine.Query(Query("m")));
    }

    [Fact]
    public void A_query_releasing_nothing_spends_no_budget()
    {
        var engine = Engine(new PrivacyPolicy(NoiseMechanism.Laplace, 1, 0, 10) { Budget = 1 });

        Assert.Empty(engine.Query(Query("m", "2030-01-01", "2030-02-01")));
        Assert.Equal(0, engine.GetStatus("m").PrivacyBudgetSpent);
    }
}
