using System.CommandLine;
using Cohort.Devices.Drivers;
using Cohort.Studies.Manifest;
using Microsoft.Extensions.DependencyInjection;

namespace Cohort.Cli.Commands;

/// <summary><c>cohort study ...</c>: Cohort.Studies manifests.</summary>
internal static class StudyCommands
{
    public static Command Create()
    {
        var study = new Command("study", "Study manifests: one JSON document describing a whole deployment.");
        study.Subcommands.Add(CreateValidate());
        study.Subcommands.Add(CreateDiff());
        return study;
    }

    private static Command CreateValidate()
    {
        var file = new Argument<string>("file") { Description = "The manifest (JSON; see docs/study-manifest.schema.json)." };
        var command = new Command("validate", "Validates a study manifest with the built-in device drivers: prints each problem as '<json-path>: <reason>' and exits 1, or exits 0 when it is valid.")
        {
            file,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var json = await ReadAsync(parse.GetValue(file)!, cancellationToken).ConfigureAwait(false);
            try
            {
                var manifest = StudyManifestReader.Parse(json, CreateDrivers());
                Console.WriteLine($"valid: study '{manifest.Study}' ({manifest.Tenants.Count} tenants, {manifest.Tenants.Sum(t => t.Devices.Count)} devices, {manifest.Schedules.Count} schedules, {manifest.Rules.Count} rules)");
                return 0;
            }
            catch (StudyManifestException error)
            {
                foreach (var problem in error.Problems)
                {
                    Console.WriteLine(problem.ToString());
                }

                return 1;
            }
        });
        return command;
    }

    private static Command CreateDiff()
    {
        var before = new Argument<string>("a") { Description = "The first manifest." };
        var after = new Argument<string>("b") { Description = "The second manifest." };
        var command = new Command("diff", "Lists what changed from manifest a to manifest b, one line each: '+ path: value' (added), '- path: value' (removed), '~ path: old -> new'. List items are named by id or name, so reordering is no change. Exits 0 when they are the same, 1 when they differ.")
        {
            before, after,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var a = await ReadManifestAsync(parse.GetValue(before)!, cancellationToken).ConfigureAwait(false);
            var b = await ReadManifestAsync(parse.GetValue(after)!, cancellationToken).ConfigureAwait(false);
            var changes = ManifestDiff.Compare(a, b);
            foreach (var change in changes)
            {
                Console.WriteLine(change.ToString());
            }

            return changes.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static async Task<StudyManifest> ReadManifestAsync(string path, CancellationToken cancellationToken)
    {
        var json = await ReadAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return StudyManifestReader.ParseUnvalidated(json);
        }
        catch (StudyManifestException error)
        {
            throw new CliUsageException($"{path}: {string.Join("; ", error.Problems)}");
        }
    }

    private static async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = CliInput.Open(path);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DeviceDriverRegistry CreateDrivers()
    {
        var services = new ServiceCollection();
        services.AddCohortDevices();
        return services.BuildServiceProvider().GetRequiredService<DeviceDriverRegistry>();
    }
}
