using System.CommandLine;
using System.Globalization;
using Cohort.Core;
using Cohort.Studies.Exports;

namespace Cohort.Cli.Commands;

/// <summary>
/// <c>cohort study export</c>: a research export (CSV or Parquet) of participants × a time range with
/// <see cref="ResearchExporter"/>, completed days cached per participant in a folder. Exit 0 when done, 2 when it
/// could not proceed (bad arguments, a store that cannot be reached), with the reason on stderr.
/// </summary>
internal static class StudyExportCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "The store: sqlite:<path>, postgres:<connection string> or influxdb:<url>?db=<name>.", Required = true };
        var tenants = new Option<string>("--tenants") { Description = "The participants (tenant ids), comma-separated.", Required = true };
        var from = new Option<string>("--from") { Description = "Start of the range, inclusive (ISO-8601; UTC when no offset is given).", Required = true };
        var to = new Option<string>("--to") { Description = "End of the range, exclusive (ISO-8601; UTC when no offset is given).", Required = true };
        var format = new Option<string>("--format") { Description = "csv or parquet.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "parquet");
        var cache = new Option<string?>("--cache") { Description = "The cache folder: completed days are kept there per participant and copied by the next export. Without it nothing is cached." };
        var output = new Option<string>("--out", "-o") { Description = "The file to write, or - for standard output.", Required = true };
        var command = new Command("export", "Exports participants' data for a time range as CSV or Parquet (docs/studies.md); with --cache, completed days are cached and a later export reads only what is new from the store.")
        {
            store, tenants, from, to, format, cache, output,
        };
        command.SetAction(async (parse, cancellationToken) => await PortabilityCommands.RunAsync(async () =>
        {
            var who = ParseTenants(parse.GetValue(tenants)!);
            var range = new TimeRange(
                Timestamps.FromDateTimeOffset(CliInput.ParseTime(parse.GetValue(from)!, "--from")),
                Timestamps.FromDateTimeOffset(CliInput.ParseTime(parse.GetValue(to)!, "--to")));
            if (range.End < range.Start)
            {
                throw new CliUsageException("--to: the end is before --from");
            }

            var path = parse.GetValue(output)!;
            var parquet = parse.GetValue(format) == "parquet";
            await using var handle = StoreUris.Open(parse.GetValue(store)!);
            var exporter = new ResearchExporter(handle.Reader, parse.GetValue(cache) is { Length: > 0 } folder ? new FolderExportCache(folder) : new NoExportCache());
            ExportResult result;
            try
            {
                var destination = CliOutput.Open(path);
                await using (destination.ConfigureAwait(false))
                {
                    result = parquet
                        ? await exporter.ExportParquetAsync(destination, who, range, cancellationToken).ConfigureAwait(false)
                        : await exporter.ExportCsvAsync(destination, who, range, cancellationToken).ConfigureAwait(false);
                }
            }
            catch when (path != "-")
            {
                File.Delete(path); // never leave a partial export that looks complete
                throw;
            }

            var summary = path == "-" ? Console.Error : Console.Out;
            await summary.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Rows} rows of {who.Length} participants exported as {(parquet ? "Parquet" : "CSV")}: {result.DaysFromCache} participant-days from the cache, {result.DaysFromStore} from the store")).ConfigureAwait(false);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Tenant[] ParseTenants(string text)
    {
        var ids = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length == 0)
        {
            throw new CliUsageException("--tenants: give at least one tenant id");
        }

        return [.. ids.Select(id => Tenant.IsValid(id, out var why) ? new Tenant(id) : throw new CliUsageException($"--tenants: '{id}': {why}"))];
    }


    /// <summary>No cache: every day is read from the store and nothing is kept.</summary>
    private sealed class NoExportCache : IExportCache
    {
        public ValueTask<Stream?> TryOpenAsync(string tenant, DateOnly day, string format, CancellationToken cancellationToken = default) => ValueTask.FromResult<Stream?>(null);

        public ValueTask WriteAsync(string tenant, DateOnly day, string format, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask InvalidateAsync(string tenant, DateOnly day, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
