using System.Diagnostics.CodeAnalysis;

namespace Cohort.Ingestion.Mqtt.Client;

/// <summary>Delays between reconnection attempts: doubling from the minimum up to the maximum, with "equal jitter".</summary>
internal static class ReconnectBackoff
{
    /// <summary>
    /// The delay before attempt <paramref name="failures"/> + 1: the cap <c>min·2^failures</c> (at most
    /// <paramref name="max"/>), of which a random half is waited on top of the other half, so that many clients
    /// dropped together do not come back in step.
    /// </summary>
    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Jitter for reconnect delays needs no cryptographic randomness.")]
    public static TimeSpan Delay(int failures, TimeSpan min, TimeSpan max)
    {
        var cap = min.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30));
        cap = Math.Min(cap, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((cap / 2) + (Random.Shared.NextDouble() * cap / 2));
    }
}
