namespace Cohort.Cli.Commands;

/// <summary>Opening the <c>&lt;file|-&gt;</c> inputs and <c>-o</c> outputs verbs take.</summary>
internal static class CliInput
{
    /// <summary>Standard input for <c>-</c>, else the file; a missing file is a usage error with its path.</summary>
    public static Stream Open(string path) => path == "-"
        ? Console.OpenStandardInput()
        : File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : throw new CliUsageException($"no such file: {path}");
}

/// <summary>A problem with what the user typed (a missing file, a bad option value): printed, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
