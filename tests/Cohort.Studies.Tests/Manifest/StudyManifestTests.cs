using System.Text.Json;
using System.Text.Json.Nodes;
using Cohort.Devices.Drivers;
using Cohort.Studies.Manifest;
using Microsoft.Extensions.DependencyInjection;

namespace Cohort.Studies.Tests.Manifest;

public sealed class StudyManifestTests
{
    internal static readonly DeviceDriverRegistry Drivers = new ServiceCollection().AddCohortDevices().Services
        .BuildServiceProvider().GetRequiredService<DeviceDriverRegistry>();

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string Example => File.ReadAllText(Repository.PathOf("docs", "study-manifest.example.json"));

    private static List<string> ProblemsOf(string json)
    {
        var error = Assert.Throws<StudyManifestException>(() => StudyManifestReader.Parse(json, Drivers));
        return [.. error.Problems.Select(p => p.ToString())];
    }

    /// <summary>The example with one part replaced (a JSON path of object properties and array indexes).</summary>
    internal static string ExampleWith(Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(Example, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        edit(node);
        return node.ToJsonString();
    }

    [Fact]
    public void The_documented_example_is_valid()
    {
        var manifest = StudyManifestReader.Parse(Example, Drivers);
        Assert.Equal("thermal-comfort-2026", manifest.Study);
        Assert.Equal(2, manifest.Tenants.Count);
        Assert.Equal("simulated", manifest.Tenants[0].Devices[0].Type);
        Assert.Equal(27, manifest.Rules[0].Above);
    }

    [Fact]
    public void Every_problem_is_named_by_its_json_path()
    {
        var json = ExampleWith(root =>
        {
            var house = root["tenants"]![0]!;
            house["devices"]!.AsArray().Add(JsonNode.Parse("""{ "name": "indoor", "type": "zigbee", "intervalMs": 1000 }"""));
            house["analytics"]![0]!["formula"] = "indoor.temperature + foo(2)";
            house["encryptionKey"] = "lost-key";
            root["measures"]![0]!["group1Key"] = null;
            root["measures"]![0]!.AsObject().Add("group2Key", "room");
            root["keys"]![0]!["reference"] = "-----BEGIN PRIVATE KEY----- MIIEv...";
            root["schedules"]![1]!["cron"] = "0 25 * * *";
            root["rules"]![0]!["notifier"] = "sms";
            root["rules"]![0]!["tenants"]![0] = "house-99";
        });

        var problems = ProblemsOf(json);

        Assert.Contains("$.keys[0].reference: looks like key material: a manifest holds only references (a file path, an environment variable or a key-store id)", problems);
        Assert.Contains("$.tenants[0].encryptionKey: reference to a missing key 'lost-key'", problems);
        Assert.Contains("$.tenants[0].devices[1].name: duplicate device name 'indoor' (first used by $.devices[0])", problems);
        Assert.Contains(problems, p => p.StartsWith("$.tenants[0].devices[1].type: unknown device type 'zigbee'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.tenants[0].analytics[0].formula: formula error at column 22: ", StringComparison.Ordinal) && p.Contains("foo", StringComparison.Ordinal));
        Assert.Contains("$.measures[0].group2Key: group2Key needs group1Key.", problems);
        Assert.Contains(problems, p => p.StartsWith("$.schedules[1].cron: invalid cron expression '0 25 * * *'", StringComparison.Ordinal));
        Assert.Contains("$.rules[0].notifier: reference to a missing notifier 'sms'", problems);
        Assert.Contains("$.rules[0].tenants[0]: reference to a missing tenant 'house-99'", problems);
        Assert.Equal(9, problems.Count);
    }

    [Fact]
    public void Duplicate_names_and_bad_durations_are_reported()
    {
        var json = ExampleWith(root =>
        {
            root["tenants"]![1]!["id"] = "house-01";
            root["rules"]![0]!["window"] = "an hour";
            root["rules"]![0]!["quietHours"] = "22-7";
            root["retention"]!["raw"] = "0d";
        });

        var problems = ProblemsOf(json);

        Assert.Contains("$.tenants[1].id: duplicate tenant id 'house-01' (first used by $.tenants[0])", problems);
        Assert.Contains("$.rules[0].window: must be a duration like 30s, 15m, 1h, 7d or 2w", problems);
        Assert.Contains("$.rules[0].quietHours: must be HH:mm-HH:mm", problems);
        Assert.Contains("$.retention.raw: must be a duration like 30s, 15m, 1h, 7d or 2w", problems);
    }

    [Fact]
    public void An_unknown_property_is_named_with_its_path()
    {
        var json = ExampleWith(root => root["keys"]![0]!.AsObject().Add("material", "c2VjcmV0"));
        var problem = Assert.Single(ProblemsOf(json));
        Assert.StartsWith("$.keys[0].material: is not a known property", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_names_its_line()
    {
        var problem = Assert.Single(ProblemsOf("{\n  \"study\": \"s\",\n  \"tenants\": [ { \"id\": } ]\n}"));
        Assert.Contains("line 3", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exported_manifest_reads_back_to_the_same_deployment()
    {
        var manifest = StudyManifestReader.Parse(Example, Drivers);
        var exported = manifest.ToJson();
        var again = StudyManifestReader.Parse(exported, Drivers);

        Assert.Empty(ManifestDiff.Compare(manifest, again));
        Assert.Equal(exported, again.ToJson());
    }

    [Fact]
    public void The_diff_names_items_by_id_and_ignores_reordering()
    {
        var before = StudyManifestReader.Parse(Example, Drivers);
        var after = StudyManifestReader.Parse(ExampleWith(root =>
        {
            var tenants = root["tenants"]!.AsArray();
            var first = tenants[0]!;
            tenants.RemoveAt(0);
            tenants.Add(first); // reordered: not a change
            first["devices"]![0]!["intervalMs"] = 30000;
            root["notifiers"]!.AsArray().Clear();
            root["rules"]!.AsArray().Clear();
            root["schedules"]!.AsArray().Add(JsonNode.Parse("""{ "name": "purge", "job": "purge", "cron": "0 3 * * *" }"""));
        }), Drivers);

        var changes = ManifestDiff.Compare(before, after).Select(c => c.ToString()).ToList();

        Assert.Contains("~ $.tenants[house-01].devices[indoor].intervalMs: 60000 -> 30000", changes);
        Assert.Contains(changes, c => c.StartsWith("- $.notifiers[survey]: {", StringComparison.Ordinal));
        Assert.Contains(changes, c => c.StartsWith("- $.rules[too-warm]: {", StringComparison.Ordinal));
        Assert.Contains(changes, c => c.StartsWith("+ $.schedules[purge]: {\"name\":\"purge\"", StringComparison.Ordinal));
        Assert.Equal(4, changes.Count);
    }

    [Fact]
    public void The_published_schema_describes_every_manifest_property()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Repository.PathOf("docs", "study-manifest.schema.json")))!;
        var documented = schema["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        var model = JsonSerializer.SerializeToNode(new StudyManifest { Schema = "x", Description = "d", Measures = JsonDocument.Parse("[]").RootElement, Retention = new() },
            Web)!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(model, documented);
    }
}
