namespace Cohort.Scripts.Tests;

/// <summary>
/// The notebooks are the scripts' cells, generated: the test regenerates each one from its script and compares, so a
/// notebook never drifts from code that CI runs. Set COHORT_UPDATE_NOTEBOOKS=1 to rewrite them after editing a script.
/// </summary>
public sealed class NotebookTests
{
    public static TheoryData<string> Scripts() => [.. Directory.GetFiles(Repository.Scripts, "*.cs").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Each_script_has_a_notebook_made_of_its_cells(string script)
    {
        string expected = NotebookGenerator.Generate(File.ReadAllText(Path.Combine(Repository.Scripts, script)));
        string path = Path.Combine(Repository.Notebooks, Path.ChangeExtension(script, ".ipynb"));
        if (Environment.GetEnvironmentVariable("COHORT_UPDATE_NOTEBOOKS") == "1")
        {
            Directory.CreateDirectory(Repository.Notebooks);
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests with COHORT_UPDATE_NOTEBOOKS=1.");
        Assert.Equal(expected, File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_notebook_comes_from_a_script()
    {
        Assert.Equal(
            Directory.GetFiles(Repository.Scripts, "*.cs").Select(f => Path.GetFileNameWithoutExtension(f)).Order(),
            Directory.GetFiles(Repository.Notebooks, "*.ipynb").Select(f => Path.GetFileNameWithoutExtension(f)).Order());
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Notebook_cells_avoid_what_CSharp_scripting_refuses(string script)
    {
        string notebook = File.ReadAllText(Path.Combine(Repository.Notebooks, Path.ChangeExtension(script, ".ipynb")));
        Assert.Empty(NotebookGenerator.ScriptingProblems(notebook));
    }

    [Fact]
    public void The_generator_rejects_a_using_declaration_at_the_top_of_a_cell()
    {
        string notebook = NotebookGenerator.Generate("#!/usr/bin/env dotnet\n// t\nusing System;\n// -- cell: a\nawait using var s = File.OpenRead(\"x\");\n");
        Assert.Single(NotebookGenerator.ScriptingProblems(notebook));
    }
}
