using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cohort.Quickstart;

/// <summary>How <c>report.json</c> is written: camelCase, indented, missing values as <c>null</c>.</summary>
internal static class QuickstartJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
