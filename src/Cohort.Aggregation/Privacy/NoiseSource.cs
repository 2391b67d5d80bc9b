using System.Security.Cryptography;

namespace Cohort.Aggregation.Privacy;

/// <summary>Uniform randomness for noise: cryptographically secure by default, seedable for tests.</summary>
internal abstract class NoiseSource
{
    public static NoiseSource Secure { get; } = new SecureNoiseSource();

    /// <summary>A uniform double in the open interval (0, 1).</summary>
    public abstract double NextOpenUnit();

    /// <summary>A Laplace(0, scale) sample, by inverting the CDF.</summary>
    public double Laplace(double scale)
    {
        var u = NextOpenUnit() - 0.5;
        return -scale * Math.Sign(u) * Math.Log(1 - (2 * Math.Abs(u)));
    }

    /// <summary>A Normal(0, sigma^2) sample, by the Box-Muller transform.</summary>
    public double Gaussian(double sigma) =>
        sigma * Math.Sqrt(-2 * Math.Log(NextOpenUnit())) * Math.Cos(2 * Math.PI * NextOpenUnit());

    private sealed class SecureNoiseSource : NoiseSource
    {
        public override double NextOpenUnit()
        {
            Span<byte> bytes = stackalloc byte[8];
            while (true)
            {
                RandomNumberGenerator.Fill(bytes);
                var bits = BitConverter.ToUInt64(bytes) >> 11;
                if (bits != 0)
                {
                    return bits * (1.0 / (1UL << 53));
                }
            }
        }
    }
}

/// <summary>A seeded source for reproducible tests and benchmarks; never for real releases.</summary>
internal sealed class SeededNoiseSource(int seed) : NoiseSource
{
    private readonly Random _random = new(seed);

    public override double NextOpenUnit()
    {
        double value;
        do
        {
            value = _random.NextDouble();
        }
        while (value == 0);
        return value;
    }
}
