using System.Diagnostics;
using System.Globalization;
using Cohort.Quickstart.Simulation;

namespace Cohort.Quickstart.Progress;

/// <summary>
/// Prints the pipeline's counters while the run goes: rewritten in place on a terminal, a new line every few
/// seconds when the output is redirected (CI logs).
/// </summary>
internal sealed class ProgressLine(TextWriter output, PipelineCounters counters, SimulatedClock clock, bool interactive)
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private long _lastReceived;
    private TimeSpan _lastAt;

    /// <summary>How often <see cref="Print"/> should be called.</summary>
    public TimeSpan Every => interactive ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(5);

    public TimeSpan Elapsed => _wall.Elapsed;

    private string SimulatedTimeOfDay()
    {
        var sinceMidnight = clock.GetUtcNow() - clock.Origin;
        return sinceMidnight >= TimeSpan.FromDays(1) ? "24:00" : sinceMidnight.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
    }

    public void Print(bool final = false)
    {
        var now = _wall.Elapsed;
        var received = counters.Received;
        var seconds = (now - _lastAt).TotalSeconds;
        var rate = seconds > 0 ? (received - _lastReceived) / seconds : 0;
        _lastReceived = received;
        _lastAt = now;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"  {now.TotalSeconds,5:F1} s  simulated {SimulatedTimeOfDay()}  received {received,8:N0} ({rate,6:N0}/s)  written {counters.Written,8:N0}  rejected {counters.Rejected,4:N0}  buffered {counters.Buffered,6:N0}  mqtt sent {counters.EdgeMessagesPublished,6:N0} got {counters.MqttMessagesReceived,6:N0}");
        if (interactive)
        {
            output.Write('\r' + line);
            if (final)
            {
                output.WriteLine();
            }
        }
        else
        {
            output.WriteLine(line);
        }
    }
}
