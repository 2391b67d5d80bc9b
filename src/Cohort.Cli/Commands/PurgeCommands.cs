using System.CommandLine;
using System.Globalization;
using Cohort.Core;

namespace Cohort.Cli.Commands;

/// <summary>
/// <c>cohort purge</c>: deletes a tenant's raw points before a cutoff with the store's <see cref="IPointDeleter"/>
/// (retention; continuous rollups already materialised are kept). Exit 0 when done, 2 when the operation could not
/// proceed (bad arguments, a store that cannot be reached), with the reason on stderr.
/// </summary>
internal static class PurgeCommands
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "The store: sqlite:<path>, postgres:<connection string> or influxdb:<url>?db=<name>.", Required = true };
        var tenant = new Option<string>("--tenant") { Description = "Whose points to delete.", Required = true };
        var before = new Option<string>("--before")
        {
            Description = "The cutoff: an ISO-8601 time (2025-01-01, 2025-01-01T00:00:00Z; UTC unless an offset is given) or an age before now (365d, 12h, 4w). Points strictly before it are deleted.",
            Required = true,
        };
        var command = new Command("purge", "Deletes a tenant's raw points older than a cutoff, in every series; rollups already materialised are kept.")
        {
            store, tenant, before,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var who = Tenant.IsValid(parse.GetValue(tenant), out var why) ? new Tenant(parse.GetValue(tenant)!) : throw new CliUsageException($"--tenant: {why}");
            var cutoff = ParseCutoff(parse.GetValue(before)!, TimeProvider.System.GetUtcNow());
            try
            {
                await using var handle = StoreUris.Open(parse.GetValue(store)!);
                var deleter = handle.Writer as IPointDeleter ?? throw new CliUsageException("--store: this store cannot delete points");
                await deleter.DeleteBeforeAsync(who, Timestamps.FromDateTimeOffset(cutoff), cancellationToken).ConfigureAwait(false);
            }
            catch (CohortException error)
            {
                await Console.Error.WriteLineAsync("cohort: " + error.Message).ConfigureAwait(false);
                return 2;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deleted the points of tenant {who} before {cutoff.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'}"));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// An ISO-8601 time (UTC unless it has an offset) or an age before <paramref name="now"/>: a whole number followed by
    /// <c>d</c> (days), <c>h</c> (hours) or <c>w</c> (weeks).
    /// </summary>
    /// <exception cref="CliUsageException">Neither, or outside the range stores keep (1677 to 2262).</exception>
    internal static DateTimeOffset ParseCutoff(string text, DateTimeOffset now)
    {
        DateTimeOffset cutoff;
        if (text.Length >= 2 && char.IsAsciiDigit(text[0]) && text[^1] is 'd' or 'h' or 'w' &&
            long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            var unit = text[^1] switch { 'h' => TimeSpan.FromHours(1), 'w' => TimeSpan.FromDays(7), _ => TimeSpan.FromDays(1) };
            if (count > (now - DateTimeOffset.MinValue).Ticks / unit.Ticks)
            {
                throw new CliUsageException($"--before: '{text}' reaches back before year 1");
            }

            cutoff = now - (unit * count);
        }
        else if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out cutoff))
        {
            throw new CliUsageException($"--before: '{text}' is neither an ISO-8601 time (2025-01-01T00:00:00Z) nor an age like 365d, 12h or 4w");
        }

        if (cutoff < Timestamps.ToDateTimeOffset(long.MinValue) || cutoff > Timestamps.ToDateTimeOffset(long.MaxValue))
        {
            throw new CliUsageException($"--before: {cutoff:O} is outside the times stores keep (1677-09-21 to 2262-04-11)");
        }

        return cutoff;
    }
}
