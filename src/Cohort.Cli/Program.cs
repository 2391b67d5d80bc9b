using System.CommandLine;
using Cohort.Cli;
using Cohort.Cli.Commands;

var root = new RootCommand("cohort: check, decrypt, hash, evaluate, aggregate, load, export and import Cohort data from the command line.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (CliUsageException error)
{
    await Console.Error.WriteLineAsync("cohort: " + error.Message).ConfigureAwait(false);
    return 2;
}
