using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests;

/// <summary>Waits for background work driven by real I/O (a database) or by a fake clock.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after 30 s of real time.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Advances the fake clock by <paramref name="step"/> until <paramref name="condition"/> holds.</summary>
    public static async Task AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            time.Advance(step);
            await Task.Delay(5);
        }
    }
}
