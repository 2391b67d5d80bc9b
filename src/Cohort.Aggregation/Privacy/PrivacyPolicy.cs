namespace Cohort.Aggregation;

/// <summary>
/// Differential privacy for a measure's released aggregates: values are clamped to
/// [<see cref="LowerBound"/>, <see cref="UpperBound"/>], count, countNotZero and sum get noise calibrated to their
/// sensitivity and to <see cref="Epsilon"/> (split evenly between them), avg is derived from the noisy sum and
/// count, and every query spends <see cref="Epsilon"/> from <see cref="Budget"/>. Min, max, std and quantiles are not
/// released under differential privacy.
/// </summary>
/// <param name="Mechanism">Laplace (pure epsilon-DP) or Gaussian ((epsilon, delta)-DP).</param>
/// <param name="Epsilon">The privacy loss of one query; greater than 0 (and below 1 for Gaussian).</param>
/// <param name="LowerBound">The smallest value one person can contribute; smaller values are clamped.</param>
/// <param name="UpperBound">The largest value one person can contribute; larger values are clamped.</param>
public sealed record PrivacyPolicy(NoiseMechanism Mechanism, double Epsilon, double LowerBound, double UpperBound)
{
    /// <summary>The delta of the Gaussian mechanism (probability the epsilon bound fails); ignored for Laplace.</summary>
    public double Delta { get; init; } = 1e-6;

    /// <summary>The total epsilon the measure may spend over all queries; queries are refused once it is spent.</summary>
    public double Budget { get; init; } = 10;
}
