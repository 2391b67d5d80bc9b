namespace Cohort.Scripts.Tests;

/// <summary>Runs the three scripts once, in order (step 2 reads the store step 1 wrote), into one temporary folder.</summary>
public sealed class WalkThroughFixture : IAsyncLifetime
{
    public string Output { get; } = Directory.CreateTempSubdirectory("cohort-scripts-").FullName;

    public IReadOnlyDictionary<string, (int ExitCode, string Output)> Runs { get; private set; } = new Dictionary<string, (int, string)>();

    public async Task InitializeAsync()
    {
        Dictionary<string, (int, string)> runs = [];
        runs["01-load.cs"] = await Repository.RunScriptAsync("01-load.cs", Path.Combine("samples", "scripts", "data", "houses.lp"), Output);
        runs["02-analytics.cs"] = await Repository.RunScriptAsync("02-analytics.cs", Output);
        runs["03-measures.cs"] = await Repository.RunScriptAsync("03-measures.cs", Output);
        Runs = runs;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Output, recursive: true);
        return Task.CompletedTask;
    }
}
