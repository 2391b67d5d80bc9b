using Cohort.Ingestion.Mqtt.Client;
using Microsoft.Extensions.Options;

namespace Cohort.Ingestion.Mqtt.Source;

/// <summary>Checks <see cref="MqttSourceOptions"/> when the host starts; each failure names its property.</summary>
internal sealed class MqttSourceOptionsValidator : IValidateOptions<MqttSourceOptions>
{
    private const string Path = nameof(MqttSourceOptions);

    public ValidateOptionsResult Validate(string? name, MqttSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = MqttConnectionOptionsValidator.Problems(options.Connection, Path + ".Connection").Concat(Problems(options)).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> Problems(MqttSourceOptions options)
    {
        if (options.Topics.Count == 0)
        {
            yield return $"{Path}.Topics: add at least one topic template, e.g. cohort/{{tenant}}/{{device}}.";
        }

        for (var i = 0; i < options.Topics.Count; i++)
        {
            if (!MqttTopicTemplate.TryParse(options.Topics[i].Template, out var template, out var error))
            {
                yield return $"{Path}.Topics[{i}]: {error}.";
            }
            else if (!template.Variables.Contains(MqttTopicTemplate.WellKnownVariables.Tenant))
            {
                yield return $"{Path}.Topics[{i}]: '{template}' has no {{tenant}} level; every message must name its tenant.";
            }
        }

        if (options.SharedGroup is { } group && (group.Length == 0 || group.AsSpan().IndexOfAny("/+#") >= 0))
        {
            yield return $"{Path}.SharedGroup: '{group}' must be one non-empty topic level (no '/', '+' or '#').";
        }

        if (options.MaxConcurrency < 1)
        {
            yield return $"{Path}.MaxConcurrency: {options.MaxConcurrency} must be at least 1.";
        }

        if (options.MaxPayloadBytes < 1)
        {
            yield return $"{Path}.MaxPayloadBytes: {options.MaxPayloadBytes} must be at least 1.";
        }
    }
}
