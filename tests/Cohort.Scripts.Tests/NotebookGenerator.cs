using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cohort.Scripts.Tests;

/// <summary>
/// Builds the Polyglot notebook of a script: a title from the script's header comment, a setup cell (packages from the
/// local feed made by <c>dotnet pack</c>, the script's <c>using</c> directives, its variables with the defaults a
/// notebook in samples/notebooks needs), then for every <c>// -- cell: name</c> section a markdown cell (the section's
/// leading comments) and a code cell (the rest, verbatim).
/// </summary>
internal static partial class NotebookGenerator
{
    private const string CellMarker = "// -- cell:";

    public static string Generate(string scriptText)
    {
        string[] lines = scriptText.ReplaceLineEndings("\n").Split('\n');
        int firstCell = Array.FindIndex(lines, l => l.StartsWith(CellMarker, StringComparison.Ordinal));
        if (firstCell < 0)
        {
            throw new InvalidOperationException("The script has no '// -- cell:' section.");
        }

        string[] preamble = lines[..firstCell];
        List<(string Kind, string Source)> cells = [("markdown", Title(preamble)), ("code", Setup(preamble))];
        int start = firstCell;
        while (start < lines.Length)
        {
            int end = Array.FindIndex(lines, start + 1, l => l.StartsWith(CellMarker, StringComparison.Ordinal));
            end = end < 0 ? lines.Length : end;
            string name = lines[start][CellMarker.Length..].Trim();
            string[] body = lines[(start + 1)..end];
            int comments = body.TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal)).Count();
            cells.Add(("markdown", $"### {name}\n\n" + string.Join("\n", body[..comments].Select(l => l.TrimStart('/').Trim()))));
            cells.Add(("code", string.Join("\n", body[comments..]).Trim('\n')));
            start = end;
        }

        return Write(cells);
    }

    /// <summary>The lines of the notebook's code cells that C# scripting would refuse (a top-level using declaration).</summary>
    public static IEnumerable<string> ScriptingProblems(string notebookJson)
    {
        using JsonDocument notebook = JsonDocument.Parse(notebookJson);
        return notebook.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .SelectMany(c => c.GetProperty("source").EnumerateArray().Select(s => s.GetString()!))
            .Where(l => TopLevelUsingDeclaration().IsMatch(l))
            .ToList();
    }

    private static string Title(string[] preamble)
    {
        IEnumerable<string> header = preamble.Skip(1).TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal))
            .Select(l => l[2..].Trim())
            .Where(l => !l.StartsWith("Run from", StringComparison.Ordinal) && !l.StartsWith("The '", StringComparison.Ordinal));
        return "# " + string.Join("\n", header) +
            "\n\nThe same code as the script in `samples/scripts/` (a test keeps them equal). First, at the repository root:" +
            " `dotnet pack -c Release -o artifacts/feed`.";
    }

    private static string Setup(string[] preamble)
    {
        StringBuilder setup = new("#i \"nuget: ../../artifacts/feed\"\n");
        foreach (Match project in preamble.Select(l => ProjectDirective().Match(l)).Where(m => m.Success))
        {
            setup.Append("#r \"nuget: ").Append(project.Groups["package"].Value).Append(", *-*\"\n");
        }

        setup.Append('\n');
        string[] code = [.. preamble.SkipWhile(l => !l.StartsWith("using ", StringComparison.Ordinal))];
        foreach (string line in code)
        {
            // A notebook has no command line: the defaults apply, and the data is one folder up from samples/notebooks.
            setup.Append(ArgumentDefault().Replace(line, "${default};")
                .Replace("Path.Combine(\"samples\", \"scripts\"", "Path.Combine(\"..\", \"scripts\"", StringComparison.Ordinal)).Append('\n');
        }

        return setup.ToString().Trim('\n');
    }

    private static string Write(List<(string Kind, string Source)> cells)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter json = new(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("cells");
            foreach ((string kind, string source) in cells)
            {
                json.WriteStartObject();
                json.WriteString("cell_type", kind);
                if (kind == "code")
                {
                    json.WriteNull("execution_count");
                    json.WriteStartObject("metadata");
                    json.WriteStartObject("polyglot_notebook");
                    json.WriteString("kernelName", "csharp");
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteStartArray("outputs");
                    json.WriteEndArray();
                }
                else
                {
                    json.WriteStartObject("metadata");
                    json.WriteEndObject();
                }

                json.WriteStartArray("source");
                string[] sourceLines = source.Split('\n');
                for (int i = 0; i < sourceLines.Length; i++)
                {
                    json.WriteStringValue(i < sourceLines.Length - 1 ? sourceLines[i] + "\n" : sourceLines[i]);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("metadata");
            json.WriteStartObject("kernelspec");
            json.WriteString("display_name", ".NET (C#)");
            json.WriteString("language", "C#");
            json.WriteString("name", ".net-csharp");
            json.WriteEndObject();
            json.WriteStartObject("language_info");
            json.WriteString("name", "polyglot-notebook");
            json.WriteEndObject();
            json.WriteStartObject("polyglot_notebook");
            json.WriteStartObject("kernelInfo");
            json.WriteString("defaultKernelName", "csharp");
            json.WriteStartArray("items");
            json.WriteStartObject();
            json.WriteString("name", "csharp");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteNumber("nbformat", 4);
            json.WriteNumber("nbformat_minor", 5);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    [GeneratedRegex(@"^#:project .*/(?<package>[^/]+)\.csproj$")]
    private static partial Regex ProjectDirective();

    [GeneratedRegex(@"args\.Length > \d+ \? args\[\d+\] : (?<default>.+);")]
    private static partial Regex ArgumentDefault();

    [GeneratedRegex(@"^(await )?using (var|[A-Za-z_][\w.<>]*) \w+ =")]
    private static partial Regex TopLevelUsingDeclaration();
}
