namespace Cohort.Aggregation;

/// <summary>The differential-privacy noise added to released aggregates.</summary>
public enum NoiseMechanism
{
    /// <summary>Laplace noise: pure epsilon-differential privacy.</summary>
    Laplace = 0,

    /// <summary>Gaussian noise: (epsilon, delta)-differential privacy, for epsilon below 1.</summary>
    Gaussian = 1,
}
