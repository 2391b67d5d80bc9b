using System.CommandLine;
using Cohort.Cli.Commands;

namespace Cohort.Cli;

/// <summary>Every verb of the tool, one static class per package under <c>Commands/</c>.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return LineProtocolCommands.Create();
        yield return AggregationCommands.Create();
        yield return FormulaCommands.Create();
        yield return IngestCommands.Create();
        foreach (var command in PortabilityCommands.Create())
        {
            yield return command;
        }

        yield return PurgeCommands.Create();
        var study = StudyCommands.Create();
        study.Subcommands.Add(StudyExportCommand.Create());
        yield return study;
        foreach (var command in EncryptionCommands.Create())
        {
            yield return command;
        }
    }
}
