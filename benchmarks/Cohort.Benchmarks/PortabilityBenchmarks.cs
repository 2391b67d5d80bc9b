using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Core.LineProtocol;
using Cohort.Core.Portability;

namespace Cohort.Benchmarks;

/// <summary>
/// Exporting and importing a tenant of 100,000 points (2 fields each, 10 series, 2 measurements) through
/// <see cref="TenantArchive"/>, with an in-memory reader and a discarding writer so the store does not dominate. Side by
/// side with what a user would otherwise write: the points as one plain line protocol stream with
/// <see cref="LineProtocolWriter"/> (no zip, no manifest, no counts), and read back with <see cref="LineProtocolReader"/>.
/// Run: dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter "*Portability*" --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class PortabilityBenchmarks
{
    private const int PointCount = 100_000;
    private static readonly Tenant House = new("house-1");

    private Point[] _points = null!;
    private byte[] _archive = null!;
    private byte[] _lineProtocol = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _points = [.. Enumerable.Range(0, PointCount).Select(i => new Point(
            i % 2 == 0 ? "power" : "temp",
            TagSet.Create(("device", "d" + (i % 5))),
            [new Field("i", (long)i), new Field("v", i * 0.25)],
            1_700_000_000_000_000_000L + i))
            .OrderBy(p => p.Measurement, StringComparer.Ordinal).ThenBy(p => p.Tags.ToCanonicalString(), StringComparer.Ordinal).ThenBy(p => p.Timestamp)];
        using var archive = new MemoryStream();
        await TenantArchive.ExportAsync(new ArrayReader(_points), House, archive);
        _archive = archive.ToArray();
        using var plain = new MemoryStream();
        await LineProtocolWriter.Default.WriteAsync(PointBatch.FromPoints(_points), plain);
        _lineProtocol = plain.ToArray();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> PlainLineProtocolWrite()
    {
        using var output = new MemoryStream();
        var batch = new PointBatch(5_000);
        for (var start = 0; start < _points.Length; start += 5_000)
        {
            batch.Clear();
            for (var i = start; i < Math.Min(start + 5_000, _points.Length); i++)
            {
                batch.Add(_points[i]);
            }

            await LineProtocolWriter.Default.WriteAsync(batch, output);
        }

        return output.Length;
    }

    [Benchmark]
    public async Task<long> TenantArchiveExport()
    {
        using var output = new MemoryStream();
        var manifest = await TenantArchive.ExportAsync(new ArrayReader(_points), House, output);
        return manifest.PointCount;
    }

    [Benchmark]
    public async Task<long> PlainLineProtocolRead()
    {
        using var input = new MemoryStream(_lineProtocol);
        var result = await new LineProtocolReader().ReadAsync(input, new PointBatch(PointCount * 2));
        return result.Points;
    }

    [Benchmark]
    public async Task<long> TenantArchiveImport()
    {
        using var input = new MemoryStream(_archive);
        var result = await TenantArchive.ImportAsync(input, new DiscardingWriter(), new ArchiveImportOptions { VerifyBeforeWriting = false });
        return result.ValuesWritten;
    }

    [Benchmark]
    public async Task<long> TenantArchiveImportVerified()
    {
        using var input = new MemoryStream(_archive);
        var result = await TenantArchive.ImportAsync(input, new DiscardingWriter());
        return result.ValuesWritten;
    }

    private sealed class ArrayReader(Point[] points) : IPointReader
    {
        public async IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            foreach (var point in points)
            {
                yield return point;
            }
        }
    }

    private sealed class DiscardingWriter : IPointWriter
    {
        public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(WriteResult.Success(batch.ValueCount));
    }
}
