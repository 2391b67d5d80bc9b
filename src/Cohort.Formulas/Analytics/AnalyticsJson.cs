using System.Text;
using System.Text.Json;
using Cohort.Core;

namespace Cohort.Formulas.Analytics;

/// <summary>
/// The human-readable JSON form of a scope's analytics:
/// <code>
/// {
///   "scope": "house-1",
///   "analytics": [
///     { "name": "solar", "formula": "pos(egauge.A.Solar)", "description": "Solar production (kW)", "continuousAggregation": true }
///   ]
/// }
/// </code>
/// <c>scope</c>, <c>description</c> and <c>continuousAggregation</c> are optional.
/// </summary>
internal static class AnalyticsJson
{
    public static string Write(string? scope, IEnumerable<AnalyticDefinition> analytics)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            if (scope is not null)
            {
                writer.WriteString("scope", scope);
            }

            writer.WriteStartArray("analytics");
            foreach (var analytic in analytics)
            {
                writer.WriteStartObject();
                writer.WriteString("name", analytic.Name);
                writer.WriteString("formula", analytic.Formula);
                if (analytic.Description is not null)
                {
                    writer.WriteString("description", analytic.Description);
                }

                writer.WriteBoolean("continuousAggregation", analytic.ContinuousAggregation);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static IReadOnlyList<AnalyticDefinition> Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("analytics", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new CohortException("The analytics JSON must be an object with an \"analytics\" array.");
            }

            var result = new List<AnalyticDefinition>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                var where = $"analytics[{index}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new CohortException($"{where} must be an object.");
                }

                var name = RequiredString(item, "name", where);
                var formula = RequiredString(item, "formula", where);
                if (!AnalyticNames.IsValid(name, out var reason))
                {
                    throw new CohortException($"{where}.name: {reason}");
                }

                if (!names.Add(name))
                {
                    throw new CohortException($"{where}.name: the analytic '{name}' is defined twice.");
                }

                string? description = null;
                if (item.TryGetProperty("description", out var d) && d.ValueKind != JsonValueKind.Null)
                {
                    description = d.ValueKind == JsonValueKind.String ? d.GetString() : throw new CohortException($"{where}.description must be a string.");
                }

                var continuous = false;
                if (item.TryGetProperty("continuousAggregation", out var c) && c.ValueKind != JsonValueKind.Null)
                {
                    continuous = c.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new CohortException($"{where}.continuousAggregation must be true or false."),
                    };
                }

                result.Add(new AnalyticDefinition(name, formula) { Description = description, ContinuousAggregation = continuous });
                index++;
            }

            return result;
        }
        catch (JsonException exception)
        {
            throw new CohortException($"The analytics JSON is malformed: {exception.Message}", exception);
        }
    }

    /// <summary>Parses the definition's formula; a syntax error names the analytic.</summary>
    public static Formula Parse(this AnalyticDefinition definition)
    {
        try
        {
            return Formula.Parse(definition.Formula);
        }
        catch (FormulaException exception)
        {
            throw new FormulaException(exception.Kind, $"In analytic '{definition.Name}': {exception.Reason}", exception.FormulaText, exception.Position, exception.Length);
        }
    }

    private static string RequiredString(JsonElement item, string property, string where) =>
        item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new CohortException($"{where}.{property} must be a string.");
}

/// <summary>Rules for analytic names.</summary>
internal static class AnalyticNames
{
    public static bool IsValid(string? name, out string reason)
    {
        if (string.IsNullOrEmpty(name))
        {
            reason = "an analytic name must not be empty.";
            return false;
        }

        if (!Parsing.Lexer.IsWordStart(name[0]) || !name.All(Parsing.Lexer.IsWordPart))
        {
            reason = $"'{name}' is not a valid analytic name: use letters, digits and '_', not starting with a digit.";
            return false;
        }

        if (name is "and" or "or" or "not" or "analytics")
        {
            reason = $"'{name}' is a reserved word.";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}
