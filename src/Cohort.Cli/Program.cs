using System.CommandLine;
using Cohort.Cli;

var root = new RootCommand("cohort: check, decrypt, hash, evaluate and aggregate Cohort data from the command line.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
