namespace Cohort.Quickstart.Simulation;

/// <summary>
/// A clock that runs <see cref="Speed"/> times faster than the wall clock from <see cref="Origin"/>: the simulated
/// houses read their devices on it, so a whole simulated day passes in the run's duration. Timers and delays are
/// scaled too (a 2-minute polling interval at 2,880× waits about 42 ms), and so are elapsed times measured with
/// <see cref="TimeProvider.GetTimestamp"/> (through <see cref="TimestampFrequency"/>), so that code comparing an
/// elapsed time with a delay (e.g. "checkpoint at most every 0.5 s") sees both in simulated time.
/// </summary>
internal sealed class SimulatedClock : TimeProvider
{
    private long _startTimestamp;

    public SimulatedClock(DateTimeOffset origin, double speed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(speed);
        Origin = origin;
        Speed = speed;
    }

    /// <summary>
    /// Starts the clock: until then it stands at <see cref="Origin"/>, so hosts can start on it without losing
    /// simulated time (at 2,880x, one second of start-up would be 48 simulated minutes).
    /// </summary>
    public void Start() => Volatile.Write(ref _startTimestamp, System.GetTimestamp());

    /// <summary>The simulated time at which the clock starts.</summary>
    public DateTimeOffset Origin { get; }

    /// <summary>Simulated seconds per wall-clock second.</summary>
    public double Speed { get; }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Ticks per simulated second: the wall clock's frequency divided by <see cref="Speed"/>.</summary>
    public override long TimestampFrequency => Math.Max(1, (long)(System.TimestampFrequency / Speed));

    public override DateTimeOffset GetUtcNow()
    {
        var started = Volatile.Read(ref _startTimestamp);
        return started == 0 ? Origin : Origin + ToSimulated(System.GetElapsedTime(started));
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => new ScaledTimer(System.CreateTimer(callback, state, TimerWall(dueTime), TimerWall(period)), this);

    /// <summary>The wall-clock time span that a simulated one lasts.</summary>
    public TimeSpan ToWall(TimeSpan simulated)
        => simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero ? simulated : TimeSpan.FromTicks(Math.Max(1, (long)(simulated.Ticks / Speed)));

    /// <summary>
    /// A timer's wall-clock span, rounded up to whole milliseconds plus one: system timers count whole milliseconds of
    /// a millisecond tick count (dropping the fraction of the span, and starting up to 1 ms into the current tick), so
    /// 10 simulated minutes at 3,600x (166.67 ms) could fire after 166 ms, 2.4 simulated seconds early. Late by up to
    /// 2 ms of wall time is harmless here; early is not (code compares its elapsed time with the delay).
    /// </summary>
    private TimeSpan TimerWall(TimeSpan simulated)
    {
        var wall = ToWall(simulated);
        return wall <= TimeSpan.Zero || wall == Timeout.InfiniteTimeSpan
            ? wall
            : TimeSpan.FromTicks(((wall.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond + 1) * TimeSpan.TicksPerMillisecond);
    }

    /// <summary>The simulated time span that passes during a wall-clock one.</summary>
    public TimeSpan ToSimulated(TimeSpan wall) => TimeSpan.FromTicks((long)(wall.Ticks * Speed));

    private sealed class ScaledTimer(ITimer inner, SimulatedClock clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.TimerWall(dueTime), clock.TimerWall(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
