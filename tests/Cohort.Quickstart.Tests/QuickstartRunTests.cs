using System.Text.Json;
using Cohort.Core;
using Cohort.Storage.Sqlite;

namespace Cohort.Quickstart.Tests;

/// <summary>The quickstart run as a process with a short day, its report checked as CI checks it.</summary>
public sealed class QuickstartRunTests
{
    [Fact]
    public async Task A_short_run_writes_every_point_it_received_and_reports_analytics_aggregates_and_a_chart()
    {
        var output = QuickstartRunner.NewOutputDirectory();
        var run = await QuickstartRunner.RunAsync(output, "--duration", "8", "--houses", "6");

        Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);
        var report = run.Report;
        var counts = report.GetProperty("counts");
        var received = counts.GetProperty("received").GetInt64();
        var written = counts.GetProperty("written").GetInt64();
        var rejected = counts.GetProperty("rejected").GetInt64();
        Assert.True(received > 1_000, $"received {received}");
        Assert.Equal(received, written + rejected);
        Assert.Equal(0, counts.GetProperty("buffered").GetInt64());
        Assert.False(report.GetProperty("stoppedEarly").GetBoolean());
        AssertEveryReadingTravelledOverMqtt(report, run.StdOut);

        // Every point the pipeline confirmed is in the store, house by house.
        Assert.Equal(written, await CountStoredPointsAsync(output, 6));

        // Every house has its named analytics, hour by hour, with PV in the daytime only.
        var houses = report.GetProperty("houseReports").EnumerateArray().ToList();
        Assert.Equal(6, houses.Count);
        foreach (var house in houses)
        {
            var hours = house.GetProperty("hours").EnumerateArray().ToList();
            Assert.True(hours.Count >= 20, $"{house.GetProperty("house")} has {hours.Count} hours");
            foreach (var analytic in new[] { "battery_charging", "net_load", "grid", "grid_import" })
            {
                Assert.Contains(hours, h => h.GetProperty("kWh").GetProperty(analytic).ValueKind == JsonValueKind.Number);
            }

            var totals = house.GetProperty("dayTotals");
            Assert.True(totals.GetProperty("pv").GetDouble() > 1, "a day of PV produces energy");
            Assert.True(totals.GetProperty("grid_import").GetDouble() > 0);
            var night = hours.Single(h => h.GetProperty("hour").GetDateTimeOffset().Hour == 2).GetProperty("kWh");
            Assert.Equal(0, night.GetProperty("pv").GetDouble());
        }

        // District "south" (houses 3 and 6) is below the threshold of 3 houses: suppressed, nothing released.
        var rows = report.GetProperty("aggregates").EnumerateArray().ToList();
        Assert.Equal(3, report.GetProperty("privacyThreshold").GetInt32());
        Assert.Equal(6, rows.Count);
        foreach (var row in rows)
        {
            var district = row.GetProperty("district").GetString();
            if (district == "south")
            {
                Assert.True(row.GetProperty("suppressed").GetBoolean());
                Assert.Equal(JsonValueKind.Null, row.GetProperty("avg").ValueKind);
                Assert.Equal(JsonValueKind.Null, row.GetProperty("houses").ValueKind);
            }
            else
            {
                Assert.False(row.GetProperty("suppressed").GetBoolean());
                Assert.Equal(district == "north" ? 4 : 6, row.GetProperty("houses").GetInt64());
                Assert.True(row.GetProperty("min").GetDouble() <= row.GetProperty("avg").GetDouble());
            }
        }

        Assert.Contains("suppressed: fewer than 3 houses", run.StdOut);
        Assert.Contains("Where the data is:", run.StdOut);
        Assert.Contains("faster than yours", run.StdOut);

        var chart = await File.ReadAllTextAsync(Path.Combine(output, "house-1-day.html"));
        Assert.StartsWith("<!DOCTYPE html>", chart);
        Assert.Contains("<svg", chart);
        Assert.True(chart.Split("<polyline").Length - 1 >= 5, "one line or more per series");
        Assert.DoesNotContain("<script", chart);
        Directory.Delete(output, recursive: true);
    }

    [Fact]
    public async Task Ctrl_C_stops_cleanly_and_loses_nothing_that_was_read()
    {
        var output = QuickstartRunner.NewOutputDirectory();

        // A day that would take two minutes, interrupted once the first progress line shows points written.
        var run = await QuickstartRunner.RunAndInterruptAsync(
            output,
            seen => seen.Contains(" s  simulated ", StringComparison.Ordinal),
            "--duration", "120", "--houses", "3");

        Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);
        var report = run.Report;
        Assert.True(report.GetProperty("stoppedEarly").GetBoolean());
        Assert.True(report.GetProperty("simulatedHours").GetDouble() < 23);
        var counts = report.GetProperty("counts");
        var received = counts.GetProperty("received").GetInt64();
        var written = counts.GetProperty("written").GetInt64();
        Assert.True(received > 0);
        Assert.Equal(received, written + counts.GetProperty("rejected").GetInt64());
        Assert.Equal(0, counts.GetProperty("buffered").GetInt64());
        Assert.Equal(written, await CountStoredPointsAsync(output, 3));
        AssertEveryReadingTravelledOverMqtt(report, run.StdOut);
        Assert.Contains("Stopped early (Ctrl+C)", run.StdOut);
        Directory.Delete(output, recursive: true);
    }

    // The readings went edge agent → embedded broker → the collector's MQTT source: the MQTT messages the edges
    // published (acknowledged by the broker) are the ones the collector received, and the readings in them are the
    // points the pipeline received; the collector waited for all of them before it stopped.
    private static void AssertEveryReadingTravelledOverMqtt(JsonElement report, string stdout)
    {
        var mqtt = report.GetProperty("mqtt");
        var messagesPublished = mqtt.GetProperty("messagesPublished").GetInt64();
        Assert.True(messagesPublished > 0, $"messages published {messagesPublished}");
        Assert.Equal(messagesPublished, mqtt.GetProperty("messagesReceived").GetInt64());
        Assert.Equal(report.GetProperty("counts").GetProperty("received").GetInt64(), mqtt.GetProperty("readingsPublished").GetInt64());
        Assert.True(mqtt.GetProperty("drained").GetBoolean());
        Assert.Contains("MQTT: edge agents published", stdout);
    }

    private static async Task<long> CountStoredPointsAsync(string output, int houses)
    {
        await using var store = new SqlitePointStore(new SqliteStoreOptions { DataDirectory = Path.Combine(output, "store") });
        long points = 0;
        for (var number = 1; number <= houses; number++)
        {
            await foreach (var _ in store.ReadAsync(new Tenant($"house-{number}"), new PointQuery(TimeRange.All)))
            {
                points++;
            }
        }

        return points;
    }
}
