using System.Collections.Immutable;
using System.Text.Json;
using Cohort.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cohort.Ingestion.Tests;

public class PipelineTests
{
    [Fact]
    public async Task Acknowledged_points_reach_the_sink()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "memory"));

        var ack = await pipeline.Ingestor.IngestAsync(Messages.Readings(0, 10));

        Assert.Equal(10, ack.Accepted);
        Assert.Equal(0, ack.Rejected);
        await sink.WaitForAsync(10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i), sink.Points.Select(p => p.Point["n"]!.Value.AsDouble()).Order());
        Assert.All(sink.Points, p => Assert.Equal(Messages.Tenant, p.Tenant));
    }

    [Fact]
    public async Task Replays_what_sinks_had_not_confirmed_after_a_restart()
    {
        using var folder = new TempFolder();
        var stuck = new MemorySink(blocked: true);
        await using (var first = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(stuck, "store")))
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(10, (await first.Ingestor.IngestAsync(Messages.Readings(i * 10, 10))).Accepted);
            }
        }

        Assert.Empty(stuck.Points);
        var sink = new MemorySink();
        await using var second = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"));
        await sink.WaitForAsync(50);
        Assert.Equal(50, sink.Points.Select(p => p.Point["n"]!.Value.AsDouble()).Distinct().Count());
    }

    [Fact]
    public async Task Confirmed_records_are_not_replayed_after_a_restart()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using (var first = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store")))
        {
            await first.Ingestor.IngestAsync(Messages.Readings(0, 10));
            await first.StopAsync();
        }

        Assert.Equal(10, sink.Points.Count);
        var again = new MemorySink();
        await using (var second = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(again, "store")))
        {
            await second.Ingestor.IngestAsync(Messages.Readings(100, 1));
            await second.StopAsync();
        }

        Assert.Equal([100.0], again.Points.Select(p => p.Point["n"]!.Value.AsDouble()));
    }

    [Fact]
    public async Task Under_the_interval_fsync_policy_acknowledged_points_are_replayed_after_a_restart()
    {
        using var folder = new TempFolder();
        var stuck = new MemorySink(blocked: true);
        await using (var first = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(stuck, "store"), o =>
        {
            o.FsyncPolicy = FsyncPolicy.Interval;
            o.FsyncInterval = TimeSpan.FromMilliseconds(5);
        }))
        {
            await first.Ingestor.IngestAsync(Messages.Readings(0, 10));
        }

        var sink = new MemorySink();
        await using var second = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"));
        await sink.WaitForAsync(10);
        Assert.Equal(10, sink.Points.Count);
    }

    [Fact]
    public async Task A_damaged_checkpoint_replays_the_kept_log_rather_than_losing_points()
    {
        using var folder = new TempFolder();
        var stuck = new MemorySink(blocked: true);
        await using (var first = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(stuck, "store")))
        {
            await first.Ingestor.IngestAsync(Messages.Readings(0, 5));
        }

        File.WriteAllText(Path.Combine(folder.Path, "checkpoints", "store.checkpoint"), "garbage");
        var sink = new MemorySink();
        await using var second = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"));
        await sink.WaitForAsync(5);
        Assert.Equal(5, sink.Points.Count);
    }

    [Fact]
    public async Task A_sink_outage_then_recovery_lands_every_point_exactly_once()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink(failures: 4);
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "flaky"));

        for (var i = 0; i < 20; i++)
        {
            await pipeline.Ingestor.IngestAsync(Messages.Readings(i * 5, 5));
        }

        await pipeline.StopAsync();
        Assert.True(sink.Attempts > 4);
        Assert.Equal(100, sink.Points.Count);
        Assert.Equal(100, sink.Points.Select(p => p.Point["n"]!.Value.AsDouble()).Distinct().Count());
    }

    [Fact]
    public async Task A_sink_that_stays_down_does_not_hold_back_another()
    {
        using var folder = new TempFolder();
        var down = new MemorySink(failures: int.MaxValue);
        var up = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(down, "down").AddSink(up, "up"));

        for (var i = 0; i < 10; i++)
        {
            await pipeline.Ingestor.IngestAsync(Messages.Readings(i * 10, 10));
        }

        await up.WaitForAsync(100);
        Assert.Empty(down.Points);
        var monitor = pipeline.Services.GetRequiredService<IngestionHealth>();
        // The up sink holds the points and its checkpoint follows right after; the down sink records its first
        // failed attempt on its own schedule. Wait (bounded) for both, then check.
        for (var i = 0; i < 1000; i++)
        {
            var sinks = monitor.Check().Sinks;
            if (sinks.Single(s => s.Name == "up").LagBytes == 0 && sinks.Single(s => s.Name == "down").LastError is not null)
            {
                break;
            }

            await Task.Delay(10);
        }

        var health = monitor.Check();
        Assert.True(health.Sinks.Single(s => s.Name == "down").LagBytes > 0);
        Assert.NotNull(health.Sinks.Single(s => s.Name == "down").LastError);
        Assert.Equal(0, health.Sinks.Single(s => s.Name == "up").LagBytes);
    }

    [Fact]
    public async Task Refuses_new_input_with_a_transient_error_when_the_buffer_is_full()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink(blocked: true);
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "slow"), o =>
        {
            o.SegmentBytes = 4096;
            o.MaxBufferBytes = 16 * 1024;
        });

        var accepted = 0;
        var error = await Assert.ThrowsAsync<BufferFullException>(async () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                accepted += (await pipeline.Ingestor.IngestAsync(Messages.Readings(i * 10, 10))).Accepted;
            }
        });

        Assert.True(error.IsTransient);
        Assert.IsAssignableFrom<CohortException>(error);
        Assert.True(accepted > 0);
        sink.Release();
        await pipeline.StopAsync();
        Assert.Equal(accepted, sink.Points.Count);
    }

    [Fact]
    public async Task Refuses_a_message_for_a_tenant_its_source_may_not_write_and_dead_letters_it()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"), o =>
        {
            o.SourceTenants["sensor-1"] = new HashSet<string> { "house-1" };
        });

        var allowed = await pipeline.Ingestor.IngestAsync(Messages.Readings(0, 1));
        var refused = await pipeline.Ingestor.IngestAsync(Messages.Readings(1, 3, new Tenant("house-2")));
        var stranger = await pipeline.Ingestor.IngestAsync(Messages.Readings(4, 1) with { SourceId = "stranger" });
        await pipeline.StopAsync();

        Assert.False(allowed.IsRefused);
        Assert.True(refused.IsRefused);
        Assert.Equal(0, refused.Accepted);
        Assert.True(stranger.IsRefused);
        Assert.All(sink.Points, p => Assert.Equal(Messages.Tenant, p.Tenant));
        Assert.Single(sink.Points);
        var letters = DeadLetters(folder.Path);
        Assert.Equal(2, letters.Count);
        Assert.Equal("house-2", letters[0].GetProperty("tenant").GetString());
        Assert.Equal("authorize", letters[0].GetProperty("stage").GetString());
        Assert.Contains("house-2", letters[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("stranger", letters[1].GetProperty("source").GetString());
    }

    [Fact]
    public async Task Rejected_readings_are_dead_lettered_with_their_path_and_the_rest_land()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"));

        var ack = await pipeline.Ingestor.IngestAsync(Messages.Json("""[{"measurement":"m","fields":{"v":1},"timestamp":1},{"measurement":"m","fields":{"v":"x","w":null},"timestamp":2}]"""));
        await pipeline.StopAsync();

        Assert.Equal(1, ack.Accepted);
        Assert.Equal(1, ack.Rejected);
        Assert.Single(sink.Points);
        var letter = Assert.Single(DeadLetters(folder.Path));
        Assert.Equal("decode", letter.GetProperty("stage").GetString());
        Assert.Equal("$[1].fields.w", letter.GetProperty("field").GetString());
        Assert.Equal("""{"measurement":"m","fields":{"v":"x","w":null},"timestamp":2}""", letter.GetProperty("record").GetString());
    }

    [Fact]
    public async Task A_message_of_an_unknown_content_type_is_refused()
    {
        using var folder = new TempFolder();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(new MemorySink(), "store"));

        var ack = await pipeline.Ingestor.IngestAsync(Messages.Json("x", contentType: "text/csv"));

        Assert.True(ack.IsRefused);
        Assert.Equal("decode", Assert.Single(DeadLetters(folder.Path)).GetProperty("stage").GetString());
    }

    [Fact]
    public async Task What_a_sink_rejects_goes_to_the_dead_letter_store_and_the_rest_counts_as_written()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink { Respond = (_, batch) => new WriteResult(batch.ValueCount - 1, [new Rejection("field type conflict") { Index = 0, Field = "n" }]) };
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "picky"));

        await pipeline.Ingestor.IngestAsync(Messages.Readings(7, 1));
        await pipeline.StopAsync();

        var letter = Assert.Single(DeadLetters(folder.Path));
        Assert.Equal("sink:picky", letter.GetProperty("stage").GetString());
        Assert.Equal("field type conflict", letter.GetProperty("reason").GetString());
        Assert.StartsWith("env,room=r1 n=7", letter.GetProperty("record").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_permanent_sink_error_dead_letters_the_batch_instead_of_retrying_forever()
    {
        using var folder = new TempFolder();
        var sink = new PermanentFailureSink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "broken"));

        await pipeline.Ingestor.IngestAsync(Messages.Readings(0, 2));
        await pipeline.StopAsync();

        Assert.Equal(1, sink.Attempts);
        Assert.Equal(2, DeadLetters(folder.Path).Count);
    }

    [Fact]
    public async Task Validation_rejects_missing_tags_out_of_range_values_and_future_timestamps_by_the_time_provider()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"), o =>
        {
            o.Validation.RequiredTags["env"] = ["room"];
            o.Validation.FieldRanges["env.temp"] = new ValueRange(-40, 60);
            o.Validation.MaxFutureSkew = TimeSpan.FromMinutes(5);
            o.Validation.MaxAge = TimeSpan.FromDays(1);
            o.BatchInterval = TimeSpan.FromTicks(1);
        }, time);

        var now = 1_700_000_000L;
        var ack = await pipeline.Ingestor.IngestAsync(Messages.Json($$"""
            [{"measurement":"env","tags":{"room":"a"},"fields":{"temp":20},"timestamp":{{now}},"precision":"s"},
             {"measurement":"env","fields":{"temp":20},"timestamp":{{now - 1}},"precision":"s"},
             {"measurement":"env","tags":{"room":"a"},"fields":{"temp":99},"timestamp":{{now - 2}},"precision":"s"},
             {"measurement":"env","tags":{"room":"a"},"fields":{"temp":"warm"},"timestamp":{{now - 3}},"precision":"s"},
             {"measurement":"env","tags":{"room":"a"},"fields":{"temp":20},"timestamp":{{now + 3600}},"precision":"s"},
             {"measurement":"env","tags":{"room":"a"},"fields":{"temp":20},"timestamp":{{now - 2 * 86400}},"precision":"s"},
             {"measurement":"other","fields":{"temp":99},"timestamp":{{now}},"precision":"s"}]
            """));

        Assert.Equal(2, ack.Accepted);
        Assert.Equal(5, ack.Rejected);
        Assert.Equal([null, "temp", "temp", "timestamp", "timestamp"], ack.Rejections.Select(r => r.Field));
        Assert.Contains("room", ack.Rejections[0].Reason, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4, 5], ack.Rejections.Select(r => r.Index ?? -1));
    }

    [Fact]
    public async Task Enrichment_adds_tags_from_the_topic_and_metadata_without_overriding_the_points_own()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"), o =>
        {
            o.Enrichment.TopicPattern = "cohort/{tenant}/{house}/{device}";
            o.Enrichment.MetadataTags["site"] = "site";
        });

        var message = Messages.Json("""[{"measurement":"m","fields":{"v":1},"timestamp":1},{"measurement":"m","tags":{"device":"own"},"fields":{"v":2},"timestamp":2}]""") with
        {
            Topic = "cohort/house-1/h7/egauge",
            Metadata = ImmutableDictionary<string, string>.Empty.Add("site", "north"),
        };
        await pipeline.Ingestor.IngestAsync(message);
        await pipeline.StopAsync();

        var points = sink.Points.Select(p => p.Point).OrderBy(p => p.Timestamp).ToList();
        Assert.Equal(TagSet.Create(("device", "egauge"), ("house", "h7"), ("site", "north")), points[0].Tags);
        Assert.Equal(TagSet.Create(("device", "own"), ("house", "h7"), ("site", "north")), points[1].Tags);
    }

    [Fact]
    public async Task A_deriver_adds_series_that_are_stored_with_the_message()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b
            .AddSink(sink, "store")
            .AddDeriver((message, input, output) =>
            {
                foreach (var point in input.ToPoints())
                {
                    output.Add(new Point("doubled", point.Tags, "n", FieldValue.FromDouble(point["n"]!.Value.AsDouble() * 2), point.Timestamp));
                }
            }));

        var ack = await pipeline.Ingestor.IngestAsync(Messages.Readings(3, 2));
        await pipeline.StopAsync();

        Assert.Equal(4, ack.Accepted);
        Assert.Equal([6.0, 8.0], sink.Points.Where(p => p.Point.Measurement == "doubled").Select(p => p.Point["n"]!.Value.AsDouble()).Order());
    }

    [Fact]
    public async Task A_sink_receives_a_partial_batch_only_when_the_batch_interval_has_passed()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"), o =>
        {
            o.BatchSize = 1_000;
            o.BatchInterval = TimeSpan.FromSeconds(1);
        }, time);

        await pipeline.Ingestor.IngestAsync(Messages.Readings(0, 4));
        await pipeline.Ingestor.IngestAsync(Messages.Readings(4, 6));
        await Task.Delay(200);
        Assert.Empty(sink.Points);

        for (var i = 0; i < 500 && sink.Points.Count < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        await sink.WaitForAsync(10);
        Assert.Equal([10], sink.WriteSizes);
    }

    [Fact]
    public async Task A_sink_receives_full_batches_without_waiting_for_the_interval()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var sink = new MemorySink(blocked: true);
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"), o =>
        {
            o.BatchSize = 5;
            o.BatchInterval = TimeSpan.FromHours(1);
        }, time);

        for (var i = 0; i < 20; i++)
        {
            await pipeline.Ingestor.IngestAsync(Messages.Readings(i, 1));
        }

        sink.Release();
        await sink.WaitForAsync(20);
        Assert.All(sink.WriteSizes, size => Assert.Equal(5, size));
    }

    [Fact]
    public async Task Health_reports_a_sink_stuck_past_the_limit()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var sink = new MemorySink(failures: int.MaxValue);
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "down"), o =>
        {
            o.StuckAfter = TimeSpan.FromMinutes(5);
            o.BatchInterval = TimeSpan.FromTicks(1);
        }, time);
        var health = pipeline.Services.GetRequiredService<IngestionHealth>();

        await pipeline.Ingestor.IngestAsync(Messages.Readings(0, 1));
        while (Volatile.Read(ref sink.Attempts) == 0)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Delay(5);
        }

        Assert.False(health.Check().Sinks[0].IsStuck);
        time.Advance(TimeSpan.FromMinutes(6));

        var report = health.Check();
        Assert.True(report.Sinks[0].IsStuck);
        Assert.False(report.IsHealthy);
        Assert.Null(report.Sinks[0].LastSuccess);
    }

    [Fact]
    public async Task Counts_received_acknowledged_written_and_rejected_points_and_ack_latency()
    {
        using var folder = new TempFolder();
        var sink = new MemorySink();
        await using var pipeline = await TestPipeline.StartAsync(folder.Path, b => b.AddSink(sink, "store"));
        var factory = pipeline.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var received = new MetricCollector<long>(factory, "Cohort.Ingestion", "cohort.ingestion.points.received");
        using var acknowledged = new MetricCollector<long>(factory, "Cohort.Ingestion", "cohort.ingestion.points.acknowledged");
        using var written = new MetricCollector<long>(factory, "Cohort.Ingestion", "cohort.ingestion.points.written");
        using var rejected = new MetricCollector<long>(factory, "Cohort.Ingestion", "cohort.ingestion.points.rejected");
        using var latency = new MetricCollector<double>(factory, "Cohort.Ingestion", "cohort.ingestion.ack.latency");
        using var bytes = new MetricCollector<long>(factory, "Cohort.Ingestion", "cohort.ingestion.buffer.bytes");

        await pipeline.Ingestor.IngestAsync(Messages.Readings(0, 3));
        await pipeline.Ingestor.IngestAsync(Messages.Json("""[{"measurement":"m","fields":{"v":1}},{"measurement":"m"}]"""));
        await pipeline.StopAsync();

        Assert.Equal(4, received.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(4, acknowledged.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(4, written.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(written.GetMeasurementSnapshot(), m => Assert.Equal("store", m.Tags["sink"]));
        Assert.Equal(1, rejected.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal("decode", Assert.Single(rejected.GetMeasurementSnapshot()).Tags["stage"]);
        Assert.Equal(2, latency.GetMeasurementSnapshot().Count);
        bytes.RecordObservableInstruments();
        Assert.True(bytes.LastMeasurement!.Value > 0);
    }

    [Fact]
    public async Task Starting_without_a_sink_fails_options_validation()
    {
        using var folder = new TempFolder();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestPipeline.StartAsync(folder.Path, _ => { }));

        Assert.Contains("sink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_sinks_with_the_same_name_fail_options_validation()
    {
        using var folder = new TempFolder();

        await Assert.ThrowsAsync<OptionsValidationException>(() => TestPipeline.StartAsync(folder.Path, b => b.AddSink(new MemorySink(), "a").AddSink(new MemorySink(), "a")));
    }

    private static List<JsonElement> DeadLetters(string folder)
    {
        var path = Path.Combine(folder, "dead-letters.jsonl");
        return File.Exists(path) ? [.. File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement)] : [];
    }

    private sealed class PermanentFailureSink : IPointWriter
    {
        public int Attempts;

        public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Attempts);
            throw new CohortException("The database refuses this schema.");
        }
    }
}
