using Cohort.Core;
using Cohort.Core.Portability;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Portability.Tests;

/// <summary>The law: importing what was exported gives back exactly the data, for any data.</summary>
public sealed class ArchivePropertyTests
{
    private static readonly string[] Measurements = ["m", "M", "m 2", "日本", "a/b"];
    private static readonly TagSet[] TagSets = [TagSet.Empty, TagSet.Create(("host", "a")), TagSet.Create(("k y", "v,=1"), ("z", "\"\\"))];
    private static readonly string[] Strings = ["", "x", "line\nfeed", "back\\slash\\", "quote\"", "\\n", "Ωμέγα 🙂", "a,b=c d"];

    private static Point PointFrom(int seed, long time, double number, string text)
    {
        var bits = unchecked((uint)seed * 0x9E3779B1u);
        var measurement = Measurements[bits % (uint)Measurements.Length];
        var tags = TagSets[(bits >> 4) % (uint)TagSets.Length];

        // Each field key has one type (stores keep a field's first type within a measurement).
        var fields = new List<Field> { new("f", double.IsFinite(number) ? number : 0.0) };
        if ((bits & 0x100) != 0)
        {
            fields.Add(new Field("i", (long)bits * (((bits >> 9) & 1) == 0 ? 1 : -1) * 0x1_0000_0001L));
        }

        if ((bits & 0x400) != 0)
        {
            fields.Add(new Field("u", ulong.MaxValue - bits));
        }

        if ((bits & 0x800) != 0)
        {
            fields.Add(new Field("b", (bits & 0x1000) != 0));
        }

        if ((bits & 0x2000) != 0)
        {
            fields.Add(new Field("s", Strings[(bits >> 14) % (uint)Strings.Length] + text));
        }

        return new Point(measurement, tags, fields, time);
    }

    [Property(MaxTest = 60)]
    public Property Export_then_import_preserves_any_set_of_points(
        (int Seed, long Time, double Number, NonNull<string> Text)[] inputs,
        PositiveInt batchSize)
    {
        var text = inputs.Select(i => i.Text.Get.Replace("\uFFFF", "", StringComparison.Ordinal)).ToArray();
        var points = inputs
            .Select((i, k) => PointFrom(i.Seed, i.Time, i.Number, HasUnpairedSurrogate(text[k]) ? "" : text[k]))
            .ToList();
        var source = new MemoryStore();
        var tenant = new Tenant("source");
        source.WriteAsync(tenant, PointBatch.FromPoints(points)).AsTask().GetAwaiter().GetResult();
        var expected = source.ReadAll(tenant);

        using var archive = new MemoryStream();
        var manifest = TenantArchive.ExportAsync(source, tenant, archive, new ArchiveExportOptions { BatchSize = batchSize.Get }).GetAwaiter().GetResult();
        archive.Position = 0;
        var target = new MemoryStore();
        var result = TenantArchive.ImportAsync(archive, target, new ArchiveImportOptions { BatchSize = batchSize.Get }).GetAwaiter().GetResult();
        var actual = target.ReadAll(tenant);

        return (actual.SequenceEqual(expected) && result.IsComplete && manifest.PointCount == expected.Count)
            .Label($"{expected.Count} points exported, {actual.Count} imported, {result.Rejections.Length} rejected");
    }

    private static bool HasUnpairedSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
