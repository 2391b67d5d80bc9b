namespace Cohort.Studies.Jobs;

/// <summary>The scheduler's jobs and this host's identity.</summary>
public sealed class JobSchedulerOptions
{
    /// <summary>The jobs to run; names must be unique.</summary>
    public IList<JobDefinition> Jobs { get; } = [];

    /// <summary>This host's name in job state (default: the machine name and process id).</summary>
    public string HostId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The problems with these options (duplicate job names, bad retry settings); empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(HostId))
        {
            yield return "HostId is empty.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Jobs.Count; i++)
        {
            var job = Jobs[i];
            if (!seen.Add(job.Name))
            {
                yield return $"Jobs[{i}]: the name '{job.Name}' is used by an earlier job.";
            }

            if (job.MaxAttempts < 1)
            {
                yield return $"Jobs[{i}] ('{job.Name}'): MaxAttempts must be at least 1.";
            }

            if (job.RetryDelay < TimeSpan.Zero || job.MaxRetryDelay < job.RetryDelay)
            {
                yield return $"Jobs[{i}] ('{job.Name}'): RetryDelay must be between zero and MaxRetryDelay.";
            }
        }
    }
}
