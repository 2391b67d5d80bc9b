using Microsoft.Extensions.Time.Testing;

namespace Cohort.Studies.Tests.Hosting;

/// <summary>A fake clock that counts the timers created on it: the scheduler's job loops each wait on one.</summary>
internal sealed class TimerCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int _timers;

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
