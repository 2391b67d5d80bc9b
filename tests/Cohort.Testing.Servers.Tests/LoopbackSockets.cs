using System.Globalization;

namespace Cohort.Testing.Servers.Tests;

/// <summary>Reads the kernel's socket tables to see where a process listens (Linux /proc).</summary>
internal static class LoopbackSockets
{
    /// <summary>The local addresses ("0100007F:1F90" style, as in /proc/net) of the TCP listeners and UDP sockets of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<(string Table, string Address, int Port)> Of(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        var found = new List<(string, string, int)>();
        foreach (var table in new[] { "tcp", "tcp6", "udp", "udp6" })
        {
            foreach (var line in File.ReadLines($"/proc/net/{table}").Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var listening = table.StartsWith("udp", StringComparison.Ordinal) || columns[3] == "0A"; // 0A = LISTEN
                if (listening && inodes.Contains(columns[9]))
                {
                    var local = columns[1].Split(':');
                    found.Add((table, local[0], int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
                }
            }
        }

        return found;
    }

    public static bool IsLoopback(string table, string address) => table.EndsWith('6')
        ? address == "00000000000000000000000001000000"
        : address.EndsWith("7F", StringComparison.Ordinal); // little-endian 127.x.x.x
}
