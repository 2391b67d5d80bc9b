using System.CommandLine;
using System.Globalization;
using Cohort.Core;
using Cohort.Ingestion;

namespace Cohort.Cli.Commands;

/// <summary><c>cohort ingest</c>: load line protocol or JSON into a store with Cohort.Ingestion's decoders.</summary>
internal static class IngestCommands
{
    private const int ChunkBytes = 4 << 20;

    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "The store: sqlite:<path>, postgres:<connection string> or influxdb:<url>?db=<name>.", Required = true };
        var tenant = new Option<string>("--tenant") { Description = "Whose data it is (letters, digits, '_' and '-').", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "lp (line protocol, read in chunks) or json (one document: a reading or an array). Default: json for *.json files, else lp.",
        };
        format.AcceptOnlyFromAmong("lp", "json");
        var precision = new Option<string>("--precision") { Description = "Unit of line protocol timestamps: ns, us, ms or s.", DefaultValueFactory = _ => "ns" };
        var input = new Argument<string>("file") { Description = "The input file, or - for standard input." };
        var command = new Command("ingest", "Loads line protocol or JSON into a store. Bad records go to stderr as <line>:<column>: <reason> and the good ones land; exit 1 when any was bad.")
        {
            store, tenant, format, precision, input,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Tenant.IsValid(parse.GetValue(tenant), out var why))
            {
                throw new CliUsageException($"--tenant: {why}");
            }

            var who = new Tenant(parse.GetValue(tenant)!);
            var path = parse.GetValue(input)!;
            var json = (parse.GetValue(format) ?? (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "json" : "lp")) == "json";
            var contentType = json ? "application/json" : "text/plain; precision=" + parse.GetValue(precision);
            await using var handle = StoreUris.Open(parse.GetValue(store)!);
            await using var source = CliInput.Open(path);
            var progress = new Progress(Console.IsErrorRedirected ? null : Console.Error);

            var (written, rejected) = (0L, 0L);
            var linesBefore = 0L;
            await foreach (var chunk in ReadChunksAsync(source, whole: json, cancellationToken).ConfigureAwait(false))
            {
                var message = new IngestMessage(who, "cli", contentType, chunk, TimeProvider.System.GetUtcNow());
                var decoded = await (json ? PayloadDecoders.Json : PayloadDecoders.LineProtocol).DecodeAsync(message, cancellationToken).ConfigureAwait(false);
                var result = decoded.Batch.IsEmpty ? WriteResult.Success(0) : await handle.Writer.WriteAsync(who, decoded.Batch, cancellationToken).ConfigureAwait(false);
                foreach (var rejection in decoded.Rejections.Concat(result.Rejections))
                {
                    rejected++;
                    var line = rejection.Line is { } l ? rejection with { Line = l + linesBefore } : rejection;
                    await Console.Error.WriteLineAsync(line.ToString()).ConfigureAwait(false);
                }

                written += result.Written;
                linesBefore += CountLines(chunk.Span);
                progress.Report(written, rejected);
            }

            progress.Done();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{written} values written to tenant {who}, {rejected} rejected"));
            return rejected == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>The input in chunks that end at a line break (or the whole input when <paramref name="whole"/>).</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(Stream source, bool whole, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (whole)
        {
            using var all = new MemoryStream();
            await source.CopyToAsync(all, cancellationToken).ConfigureAwait(false);
            yield return all.ToArray();
            yield break;
        }

        var buffer = new byte[ChunkBytes];
        var filled = 0;
        while (true)
        {
            var read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            filled += read;
            if (read == 0 || filled == buffer.Length)
            {
                var cut = read == 0 ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (cut == 0)
                {
                    // One line longer than a chunk: grow, the reader reports it if it passes its own limit.
                    Array.Resize(ref buffer, buffer.Length * 2);
                    continue;
                }

                yield return buffer.AsMemory(0, cut).ToArray();
                buffer.AsSpan(cut, filled - cut).CopyTo(buffer);
                filled -= cut;
                if (read == 0)
                {
                    yield break;
                }
            }
        }
    }

    private static long CountLines(ReadOnlySpan<byte> chunk) => chunk.Count((byte)'\n');

    /// <summary>A one-line progress display on a terminal; silent when stderr is redirected.</summary>
    private sealed class Progress(TextWriter? terminal)
    {
        public void Report(long written, long rejected) =>
            terminal?.Write(string.Create(CultureInfo.InvariantCulture, $"\r{written,12:N0} values written, {rejected:N0} rejected"));

        public void Done() => terminal?.WriteLine();
    }
}
