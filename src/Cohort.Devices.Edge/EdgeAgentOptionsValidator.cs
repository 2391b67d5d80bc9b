using Cohort.Ingestion.Mqtt;
using Microsoft.Extensions.Options;

namespace Cohort.Devices.Edge;

/// <summary>Checks <see cref="EdgeAgentOptions"/> at start, naming each bad property.</summary>
internal sealed class EdgeAgentOptionsValidator : IValidateOptions<EdgeAgentOptions>
{
    private static readonly string[] ReadingVariables =
        [MqttTopicTemplate.WellKnownVariables.Tenant, MqttTopicTemplate.WellKnownVariables.Device, "device_id", MqttTopicTemplate.WellKnownVariables.Timestamp];

    private static readonly string[] TenantOnly = [MqttTopicTemplate.WellKnownVariables.Tenant];

    public ValidateOptionsResult Validate(string? name, EdgeAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.House is { } house && (house.Length == 0 || house.AsSpan().IndexOfAny("/+#") >= 0))
        {
            failures.Add($"EdgeAgentOptions.House '{house}' must be one non-empty topic level, without '/', '+' or '#'.");
        }

        if (string.IsNullOrWhiteSpace(options.ConfigurationPath))
        {
            failures.Add("EdgeAgentOptions.ConfigurationPath is required.");
        }

        CheckTemplate(nameof(EdgeAgentOptions.TopicTemplate), options.TopicTemplate, ReadingVariables, failures);
        CheckTemplate(nameof(EdgeAgentOptions.ConfigTopic), options.ConfigTopic, TenantOnly, failures);
        CheckTemplate(nameof(EdgeAgentOptions.StatusTopic), options.StatusTopic, TenantOnly, failures);
        if (options.MaxReadingsPerMessage < 1)
        {
            failures.Add("EdgeAgentOptions.MaxReadingsPerMessage must be at least 1.");
        }

        if (options.Jitter is < 0 or > 1 || double.IsNaN(options.Jitter))
        {
            failures.Add("EdgeAgentOptions.Jitter must be between 0 and 1.");
        }

        if (options.RetryMinDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryMinDelay)
        {
            failures.Add("EdgeAgentOptions.RetryMinDelay must be positive and RetryMaxDelay at least RetryMinDelay.");
        }

        var buffer = options.Buffer;
        if (string.IsNullOrWhiteSpace(buffer.Directory))
        {
            failures.Add("EdgeAgentOptions.Buffer.Directory is required.");
        }

        if (buffer.SegmentBytes < 1024 || buffer.MaxBytes < buffer.SegmentBytes)
        {
            failures.Add("EdgeAgentOptions.Buffer.SegmentBytes must be at least 1024 and Buffer.MaxBytes at least SegmentBytes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckTemplate(string property, string? template, string[] allowed, List<string> failures)
    {
        if (template is null)
        {
            if (property == nameof(EdgeAgentOptions.TopicTemplate))
            {
                failures.Add("EdgeAgentOptions.TopicTemplate is required.");
            }

            return;
        }

        if (!MqttTopicTemplate.TryParse(template, out var parsed, out var error))
        {
            failures.Add($"EdgeAgentOptions.{property} '{template}': {error}.");
            return;
        }

        foreach (var variable in parsed.Variables)
        {
            if (!allowed.Contains(variable, StringComparer.Ordinal))
            {
                failures.Add($"EdgeAgentOptions.{property} '{template}': unknown variable '{{{variable}}}' (allowed: {string.Join(", ", allowed.Select(static a => "{" + a + "}"))}).");
            }
        }
    }
}
