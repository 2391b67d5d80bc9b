using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cohort.Devices.Edge.Configuration;

/// <summary>The outcome of a received configuration, published as JSON on the status topic.</summary>
/// <param name="Status"><c>applied</c>, <c>unchanged</c>, <c>rejected</c> or <c>failed</c>.</param>
internal sealed record ConfigurationStatus(string Status)
{
    public int? Devices { get; init; }

    public IReadOnlyList<string>? Started { get; init; }

    public IReadOnlyList<string>? Restarted { get; init; }

    public IReadOnlyList<string>? Stopped { get; init; }

    public IReadOnlyList<ProblemStatus>? Problems { get; init; }
}

/// <summary>One problem of a rejected configuration: the JSON path of the bad property and what is wrong.</summary>
internal sealed record ProblemStatus(string Path, string Message);

/// <summary>camelCase, nulls left out.</summary>
internal static class StatusJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}
