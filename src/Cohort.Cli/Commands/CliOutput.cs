namespace Cohort.Cli.Commands;

/// <summary>Where a verb's main output goes: the <c>-o</c> file, or standard output.</summary>
internal static class CliOutput
{
    public static Stream Open(string? path) => string.IsNullOrEmpty(path) || path == "-"
        ? Console.OpenStandardOutput()
        : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
}
