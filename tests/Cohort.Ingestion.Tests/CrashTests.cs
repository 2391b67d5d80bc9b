using System.Diagnostics;
using System.Globalization;

namespace Cohort.Ingestion.Tests;

public class CrashTests
{
    [Fact]
    public async Task Every_point_acknowledged_before_a_hard_kill_reaches_the_sink_after_restart()
    {
        using var folder = new TempFolder();
        var host = Path.Combine(AppContext.BaseDirectory, "Cohort.Ingestion.CrashHost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(folder.Path);
        start.ArgumentList.Add("100000");
        var acked = new List<int>();
        using (var child = Process.Start(start)!)
        {
            try
            {
                // Kill it mid-stream, while it is still ingesting and acknowledging.
                while (acked.Count < 300 && await child.StandardOutput.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("ACK ", StringComparison.Ordinal))
                    {
                        acked.Add(int.Parse(line[4..], CultureInfo.InvariantCulture));
                    }
                }
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
        }

        Assert.Equal(300, acked.Count);
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"));
        await sink.WaitForAsync(acked.Count * 10, seconds: 30);
        var landed = sink.Points.Select(p => (long)p.Point["n"]!.Value.AsDouble()).ToHashSet();
        foreach (var message in acked)
        {
            for (var j = 0; j < 10; j++)
            {
                Assert.Contains((message * 10L) + j, landed);
            }
        }
    }
}
