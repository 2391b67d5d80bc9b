namespace Cohort.Aggregation.Privacy;

/// <summary>
/// Noise calibration for a measure's privacy policy. One query spends epsilon, split evenly between the three
/// released counters (count, countNotZero, sum) by sequential composition; each counter's noise is calibrated to its
/// sensitivity to adding or removing one raw measure (1 for the counts, max(|lower|, |upper|) for the clamped sum).
/// Disjoint aggregates of one query compose in parallel.
/// </summary>
internal static class DifferentialPrivacy
{
    private const int ReleasedCounters = 3;

    public static double SumSensitivity(PrivacyPolicy policy) => Math.Max(Math.Abs(policy.LowerBound), Math.Abs(policy.UpperBound));

    /// <summary>The noise scale (Laplace b or Gaussian sigma) for a counter of this sensitivity.</summary>
    public static double Scale(PrivacyPolicy policy, double sensitivity)
    {
        var epsilon = policy.Epsilon / ReleasedCounters;
        return policy.Mechanism == NoiseMechanism.Laplace
            ? sensitivity / epsilon
            : sensitivity * Math.Sqrt(2 * Math.Log(1.25 / (policy.Delta / ReleasedCounters))) / epsilon;
    }

    public static double Noise(PrivacyPolicy policy, double sensitivity, NoiseSource source)
    {
        var scale = Scale(policy, sensitivity);
        return policy.Mechanism == NoiseMechanism.Laplace ? source.Laplace(scale) : source.Gaussian(scale);
    }
}
