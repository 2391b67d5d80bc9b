using Cohort.Studies.Jobs;

namespace Cohort.Studies.Tests.Jobs;

public sealed class JobDefinitionTests
{
    private static ValueTask Nothing(JobContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    [Fact]
    public void Occurrences_follow_the_time_zone_across_daylight_saving()
    {
        var job = new JobDefinition("daily", "0 9 * * *", Nothing, "Europe/Zurich");

        // 09:00 in Zurich is 08:00Z in winter (CET) and 07:00Z after the switch on 29 March 2026 (CEST).
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero), job.GetNextOccurrence(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero), job.GetNextOccurrence(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Six_fields_put_seconds_first()
    {
        var job = new JobDefinition("fast", "*/15 * * * * *", Nothing);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 15, TimeSpan.Zero), job.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void An_invalid_cron_expression_is_refused_with_the_job_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new JobDefinition("purge", "61 * * * *", Nothing));
        Assert.Contains("purge", error.Message, StringComparison.Ordinal);
        Assert.Contains("61 * * * *", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new JobDefinition("purge", "0 * * * *", Nothing, "Mars/Olympus"));
        Assert.Contains("Mars/Olympus", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retry_delay_doubles_and_is_capped()
    {
        var job = new JobDefinition("j", "0 * * * *", Nothing) { RetryDelay = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromSeconds(50) };
        Assert.Equal(TimeSpan.FromSeconds(10), job.GetRetryDelay(2));
        Assert.Equal(TimeSpan.FromSeconds(20), job.GetRetryDelay(3));
        Assert.Equal(TimeSpan.FromSeconds(40), job.GetRetryDelay(4));
        Assert.Equal(TimeSpan.FromSeconds(50), job.GetRetryDelay(5));
        Assert.Equal(TimeSpan.FromSeconds(50), job.GetRetryDelay(60));
    }

    [Fact]
    public void Options_report_duplicate_job_names()
    {
        var options = new JobSchedulerOptions();
        options.Jobs.Add(new JobDefinition("a", "0 * * * *", Nothing));
        options.Jobs.Add(new JobDefinition("a", "5 * * * *", Nothing));
        var problem = Assert.Single(options.Validate());
        Assert.Equal("Jobs[1]: the name 'a' is used by an earlier job.", problem);
    }
}
