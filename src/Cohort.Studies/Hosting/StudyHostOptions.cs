using Microsoft.Extensions.Options;

namespace Cohort.Studies.Hosting;

/// <summary>
/// Options of the built-in schedule jobs a host configured by <c>AddCohortStudy</c> runs (see <c>docs/studies.md</c>).
/// Validated when the host starts.
/// </summary>
public sealed class StudyHostOptions
{
    /// <summary>
    /// Where the built-in <c>export</c> job writes one file per UTC day (<c>&lt;yyyy-MM-dd&gt;.&lt;format&gt;</c>); its
    /// export cache is the <c>cache</c> folder inside. Relative paths are resolved from the working folder. Default
    /// <c>./exports</c>.
    /// </summary>
    public string ExportFolder { get; set; } = "exports";

    /// <summary>The format of the built-in <c>export</c> job's files: <c>csv</c> (the default) or <c>parquet</c>.</summary>
    public string ExportFormat { get; set; } = "csv";

    /// <summary>
    /// How many completed UTC days before the run the built-in <c>export</c> job writes (default 1: the previous day);
    /// earlier days come from the export cache, so re-exporting them is cheap.
    /// </summary>
    public int ExportDays { get; set; } = 1;
}

internal sealed class StudyHostOptionsValidator : IValidateOptions<StudyHostOptions>
{
    public ValidateOptionsResult Validate(string? name, StudyHostOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ExportFolder))
        {
            problems.Add("StudyHostOptions.ExportFolder is empty.");
        }

        if (!StudyJobs.ExportFormats.ContainsKey(options.ExportFormat ?? ""))
        {
            problems.Add($"StudyHostOptions.ExportFormat '{options.ExportFormat}' is not supported; use one of: {string.Join(", ", StudyJobs.ExportFormats.Keys.Order(StringComparer.Ordinal))}.");
        }

        if (options.ExportDays is < 1 or > 366)
        {
            problems.Add($"StudyHostOptions.ExportDays must be between 1 and 366; {options.ExportDays} is not.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
