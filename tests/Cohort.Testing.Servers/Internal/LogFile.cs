using System.Text;

namespace Cohort.Testing.Servers.Internal;

/// <summary>Appends a server's stdout and stderr lines to its log file; reads the tail for error messages.</summary>
internal sealed class LogFile : IDisposable
{
    private readonly Lock gate = new();
    private readonly StreamWriter writer;

    public LogFile(string path)
    {
        Path = path;
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
    }

    public string Path { get; }

    public void WriteLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            writer.Dispose();
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the file at <paramref name="path"/>.</summary>
    public static string Tail(string path, int lines = 40)
    {
        if (!File.Exists(path))
        {
            return "(no log)";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var all = reader.ReadToEnd().Split('\n');
        var tail = all.Length > lines ? all[^lines..] : all;
        return string.Join('\n', tail).TrimEnd();
    }
}
