using Cohort.Ingestion;
using Cohort.Ingestion.Sinks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Checks <see cref="IngestionOptions"/> and the sink registrations when the host starts.</summary>
internal sealed class IngestionOptionsValidator(IEnumerable<SinkRegistration> sinks) : IValidateOptions<IngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestionOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BufferDirectory))
        {
            failures.Add("BufferDirectory must be set.");
        }

        if (options.BatchSize < 1)
        {
            failures.Add("BatchSize must be at least 1.");
        }

        if (options.BatchInterval <= TimeSpan.Zero)
        {
            failures.Add("BatchInterval must be positive.");
        }

        if (options.QueueCapacity < 1)
        {
            failures.Add("QueueCapacity must be at least 1.");
        }

        if (options.FsyncPolicy == FsyncPolicy.Interval && options.FsyncInterval <= TimeSpan.Zero)
        {
            failures.Add("FsyncInterval must be positive.");
        }

        if (options.SegmentBytes < 4096)
        {
            failures.Add("SegmentBytes must be at least 4096.");
        }

        if (options.MaxBufferBytes < options.SegmentBytes)
        {
            failures.Add("MaxBufferBytes must be at least SegmentBytes.");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add("RetryBaseDelay must be positive and RetryMaxDelay at least RetryBaseDelay.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var count = 0;
        foreach (var sink in sinks)
        {
            count++;
            if (!SinkRegistration.IsValidName(sink.Name))
            {
                failures.Add($"The sink name '{sink.Name}' must be 1 to 100 letters, digits, '-', '_' or '.'.");
            }
            else if (!names.Add(sink.Name))
            {
                failures.Add($"Two sinks are named '{sink.Name}'; give each a unique name.");
            }
        }

        if (count == 0)
        {
            failures.Add("Add at least one sink (AddCohortIngestion(...).AddSink(...)): without one the buffer only grows.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
