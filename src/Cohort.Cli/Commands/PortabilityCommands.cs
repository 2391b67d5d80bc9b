using System.CommandLine;
using System.Globalization;
using Cohort.Core;
using Cohort.Core.Portability;

namespace Cohort.Cli.Commands;

/// <summary>
/// <c>cohort export</c> and <c>cohort import</c>: a tenant's data to and from a Cohort tenant archive
/// (docs/portability.md) with <see cref="TenantArchive"/>. Exit 0 when done, 1 when the store refused some values of
/// an import (printed as <c>entry:line: reason</c>), 2 when the operation could not proceed (bad arguments, an
/// invalid archive, a store that cannot be reached), with the reason on stderr.
/// </summary>
internal static class PortabilityCommands
{
    private const string StoreHelp = "The store: sqlite:<path>, postgres:<connection string> or influxdb:<url>?db=<name>.";

    public static IEnumerable<Command> Create()
    {
        yield return Export();
        yield return Import();
    }

    private static Command Export()
    {
        var store = new Option<string>("--store") { Description = StoreHelp, Required = true };
        var tenant = new Option<string>("--tenant") { Description = "Whose data to export.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The archive to write (a zip), or - for standard output.", Required = true };
        var command = new Command("export", "Exports a tenant's complete data to a Cohort tenant archive: manifest.json and one line protocol file per measurement.")
        {
            store, tenant, output,
        };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var who = ParseTenant(parse.GetValue(tenant));
            var path = parse.GetValue(output)!;
            await using var handle = StoreUris.Open(parse.GetValue(store)!);
            ArchiveManifest manifest;
            try
            {
                var destination = CliOutput.Open(path);
                await using (destination.ConfigureAwait(false))
                {
                    manifest = await TenantArchive.ExportAsync(handle.Reader, who, destination, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
            catch when (path != "-")
            {
                File.Delete(path); // never leave a partial archive that looks complete
                throw;
            }

            var summary = Console.IsOutputRedirected && path == "-" ? Console.Error : Console.Out;
            await summary.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{manifest.PointCount} points ({manifest.ValueCount} values) in {manifest.Series.Length} series of {manifest.Measurements.Length} measurements exported from tenant {who}")).ConfigureAwait(false);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Import()
    {
        var store = new Option<string>("--store") { Description = StoreHelp, Required = true };
        var tenant = new Option<string>("--tenant") { Description = "Import into this tenant instead of the archive's own." };
        var input = new Argument<string>("archive") { Description = "The archive (a zip), or - for standard input." };
        var command = new Command("import", "Imports a Cohort tenant archive into a store, after checking every entry against its manifest; a corrupt archive writes nothing.")
        {
            store, tenant, input,
        };
        command.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var target = parse.GetValue(tenant) is { } id ? ParseTenant(id) : (Tenant?)null;
            await using var source = CliInput.Open(parse.GetValue(input)!);
            await using var handle = StoreUris.Open(parse.GetValue(store)!);
            var result = await TenantArchive.ImportAsync(source, handle.Writer, new ArchiveImportOptions { Tenant = target }, cancellationToken).ConfigureAwait(false);
            foreach (var rejection in result.Rejections)
            {
                await Console.Error.WriteLineAsync(rejection.ToString()).ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{result.PointsRead} points read, {result.ValuesWritten} values written to tenant {result.Tenant}, {result.Rejections.Length} rejected"));
            return result.IsComplete ? 0 : 1;
        }).ConfigureAwait(false));
        return command;
    }

    private static Tenant ParseTenant(string? id) =>
        Tenant.IsValid(id, out var why) ? new Tenant(id!) : throw new CliUsageException($"--tenant: {why}");

    /// <summary>Runs a verb; an operation that cannot proceed prints its reason and exits 2.</summary>
    internal static async Task<int> RunAsync(Func<Task<int>> verb)
    {
        try
        {
            return await verb().ConfigureAwait(false);
        }
        catch (CohortException error)
        {
            await Console.Error.WriteLineAsync("cohort: " + error.Message).ConfigureAwait(false);
            return 2;
        }
    }
}
