using System.Globalization;

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

    /// <summary>An ISO-8601 date or time given to <paramref name="option"/> (UTC unless it carries an offset); else a usage error naming the option.</summary>
    public static DateTimeOffset ParseTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new CliUsageException($"{option}: '{text}' is not an ISO-8601 date or time");
}

/// <summary>A problem with what the user typed (a missing file, a bad option value): printed, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
