using System.Collections.Immutable;
using System.Text.Json;
using Cohort.Core;

namespace Cohort.Aggregation.Internal;

/// <summary>Reads DACC-style definition JSON into records, naming every property of the wrong type.</summary>
internal static class DefinitionJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip };

    public static (List<MeasureDefinition?> Definitions, string Path, List<Rejection> Errors) Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new MeasureDefinitionException([new Rejection("The definitions are not valid JSON: " + e.Message) { Line = e.LineNumber + 1 }]);
        }

        using (document)
        {
            var errors = new List<Rejection>();
            var root = document.RootElement;
            JsonElement array;
            var path = "definitions";
            if (root.ValueKind == JsonValueKind.Array)
            {
                array = root;
                path = "$";
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("definitions", out var inner) && inner.ValueKind == JsonValueKind.Array)
            {
                array = inner;
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name != "definitions")
                    {
                        errors.Add(new Rejection($"Unknown property '{property.Name}'.") { Field = property.Name });
                    }
                }
            }
            else
            {
                throw new MeasureDefinitionException([new Rejection("Expected {\"definitions\": [...]} or an array of definitions.") { Field = "definitions" }]);
            }

            var definitions = new List<MeasureDefinition?>();
            var index = 0;
            foreach (var element in array.EnumerateArray())
            {
                var reader = new ObjectReader($"{path}[{index}]", index, errors);
                definitions.Add(reader.Read(element));
                index++;
            }

            return (definitions, path, errors);
        }
    }

    private sealed class ObjectReader(string prefix, int index, List<Rejection> errors)
    {
        private int _errorCount;

        public MeasureDefinition? Read(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(null, "A definition must be an object.");
                return null;
            }

            string? name = null, org = null, createdBy = null, description = null, g1 = null, g2 = null, g3 = null, zone = null;
            var period = AggregationPeriod.Day;
            var statistics = MeasureStatistics.Basic;
            var withQuartiles = false;
            ImmutableArray<double> percentiles = [];
            var quantileMode = QuantileMode.Exact;
            var accuracy = 0.01;
            var threshold = MeasureDefinition.DefaultThreshold;
            bool accessApp = true, accessPublic = false;
            ImmutableArray<string> accessOrgs = [];
            int retention = 90, maxDaysQuartile = 100;
            PrivacyPolicy? privacy = null;
            var sawName = false;

            foreach (var p in element.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "name": name = String(p, required: true); sawName = true; break;
                    case "org": org = String(p); break;
                    case "createdBy": createdBy = String(p); break;
                    case "description": description = String(p); break;
                    case "group1Key": g1 = String(p); break;
                    case "group2Key": g2 = String(p); break;
                    case "group3Key": g3 = String(p); break;
                    case "timeZone": zone = String(p); break;
                    case "aggregationPeriod": period = Enum(p, AggregationPeriod.Day, "hour, day, week or month"); break;
                    case "executionFrequency": String(p); break;
                    case "id": Number(p, 0); break;
                    case "aggregationThreshold": threshold = Int(p, threshold); break;
                    case "accessApp": accessApp = Bool(p, accessApp); break;
                    case "accessPublic": accessPublic = Bool(p, accessPublic); break;
                    case "accessOrgs": accessOrgs = StringArray(p); break;
                    case "withQuartiles": withQuartiles = Bool(p, false); break;
                    case "statistics": statistics = Statistics(p); break;
                    case "percentiles": percentiles = NumberArray(p); break;
                    case "quantileMode": quantileMode = Enum(p, QuantileMode.Exact, "exact or sketch"); break;
                    case "sketchRelativeAccuracy": accuracy = Number(p, accuracy); break;
                    case "rawRetentionDays": retention = Int(p, retention); break;
                    case "maxDaysToUpdateQuartile": maxDaysQuartile = Int(p, maxDaysQuartile); break;
                    case "privacy": privacy = Privacy(p); break;
                    default: Error(p.Name, $"Unknown property '{p.Name}'."); break;
                }
            }

            if (!sawName)
            {
                Error("name", "A definition needs a name.");
            }

            if (_errorCount > 0 || name is null)
            {
                return null;
            }

            return new MeasureDefinition(name)
            {
                Org = org,
                CreatedBy = createdBy,
                Description = description,
                Group1Key = g1,
                Group2Key = g2,
                Group3Key = g3,
                TimeZone = zone,
                AggregationPeriod = period,
                Statistics = withQuartiles ? statistics | MeasureStatistics.Quartiles : statistics,
                Percentiles = percentiles,
                QuantileMode = quantileMode,
                SketchRelativeAccuracy = accuracy,
                AggregationThreshold = threshold,
                AccessApp = accessApp,
                AccessPublic = accessPublic,
                AccessOrgs = accessOrgs,
                RawRetentionDays = retention,
                MaxDaysToUpdateQuartile = maxDaysQuartile,
                Privacy = privacy,
            };
        }

        private void Error(string? property, string reason)
        {
            _errorCount++;
            errors.Add(new Rejection(reason) { Field = property is null ? prefix : prefix + "." + property, Index = index });
        }

        private string? String(JsonProperty p, bool required = false, string? path = null)
        {
            if (p.Value.ValueKind == JsonValueKind.String)
            {
                return p.Value.GetString();
            }

            if (p.Value.ValueKind == JsonValueKind.Null && !required)
            {
                return null;
            }

            Error(path ?? p.Name, $"'{p.Name}' must be a string.");
            return null;
        }

        private bool Bool(JsonProperty p, bool fallback)
        {
            if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return p.Value.GetBoolean();
            }

            Error(p.Name, $"'{p.Name}' must be true or false.");
            return fallback;
        }

        private double Number(JsonProperty p, double fallback, string? path = null)
        {
            if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var value) && double.IsFinite(value))
            {
                return value;
            }

            Error(path ?? p.Name, $"'{p.Name}' must be a number.");
            return fallback;
        }

        private int Int(JsonProperty p, int fallback)
        {
            if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var value))
            {
                return value;
            }

            Error(p.Name, $"'{p.Name}' must be an integer.");
            return fallback;
        }

        private T Enum<T>(JsonProperty p, T fallback, string allowed, string? path = null)
            where T : struct, System.Enum
        {
            if (p.Value.ValueKind == JsonValueKind.String
                && System.Enum.TryParse<T>(p.Value.GetString(), ignoreCase: true, out var value)
                && System.Enum.IsDefined(value)
                && !char.IsAsciiDigit(p.Value.GetString()![0]))
            {
                return value;
            }

            Error(path ?? p.Name, $"'{p.Name}' must be one of {allowed}.");
            return fallback;
        }

        private ImmutableArray<string> StringArray(JsonProperty p)
        {
            if (p.Value.ValueKind == JsonValueKind.Array && p.Value.EnumerateArray().All(static e => e.ValueKind == JsonValueKind.String))
            {
                return [.. p.Value.EnumerateArray().Select(static e => e.GetString()!)];
            }

            Error(p.Name, $"'{p.Name}' must be an array of strings.");
            return [];
        }

        private ImmutableArray<double> NumberArray(JsonProperty p)
        {
            if (p.Value.ValueKind == JsonValueKind.Array && p.Value.EnumerateArray().All(static e => e.ValueKind == JsonValueKind.Number))
            {
                return [.. p.Value.EnumerateArray().Select(static e => e.GetDouble())];
            }

            Error(p.Name, $"'{p.Name}' must be an array of numbers.");
            return [];
        }

        private MeasureStatistics Statistics(JsonProperty p)
        {
            if (p.Value.ValueKind != JsonValueKind.Array)
            {
                Error(p.Name, "'statistics' must be an array of statistic names.");
                return MeasureStatistics.Basic;
            }

            var result = MeasureStatistics.None;
            var i = 0;
            foreach (var e in p.Value.EnumerateArray())
            {
                var flag = e.ValueKind == JsonValueKind.String ? StatisticNames.Parse(e.GetString()!) : MeasureStatistics.None;
                if (flag == MeasureStatistics.None)
                {
                    Error($"statistics[{i}]", $"Unknown statistic {e.GetRawText()}; expected one of {string.Join(", ", StatisticNames.All)}.");
                }

                result |= flag;
                i++;
            }

            return result;
        }

        private PrivacyPolicy? Privacy(JsonProperty p)
        {
            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (p.Value.ValueKind != JsonValueKind.Object)
            {
                Error("privacy", "'privacy' must be an object.");
                return null;
            }

            var mechanism = NoiseMechanism.Laplace;
            double epsilon = double.NaN, lower = double.NaN, upper = double.NaN, delta = 1e-6, budget = double.NaN;
            foreach (var q in p.Value.EnumerateObject())
            {
                var path = "privacy." + q.Name;
                switch (q.Name)
                {
                    case "mechanism": mechanism = Enum(q, NoiseMechanism.Laplace, "laplace or gaussian", path); break;
                    case "epsilon": epsilon = Number(q, double.NaN, path); break;
                    case "lowerBound": lower = Number(q, double.NaN, path); break;
                    case "upperBound": upper = Number(q, double.NaN, path); break;
                    case "delta": delta = Number(q, delta, path); break;
                    case "budget": budget = Number(q, double.NaN, path); break;
                    default: Error(path, $"Unknown property '{q.Name}'."); break;
                }
            }

            foreach (var (value, name) in new[] { (epsilon, "epsilon"), (lower, "lowerBound"), (upper, "upperBound") })
            {
                if (double.IsNaN(value) && !p.Value.TryGetProperty(name, out _))
                {
                    Error("privacy." + name, $"'privacy.{name}' is required.");
                }
            }

            return new PrivacyPolicy(mechanism, epsilon, lower, upper)
            {
                Delta = delta,
                Budget = double.IsNaN(budget) ? Math.Max(10, double.IsNaN(epsilon) ? 10 : epsilon) : budget,
            };
        }
    }
}
