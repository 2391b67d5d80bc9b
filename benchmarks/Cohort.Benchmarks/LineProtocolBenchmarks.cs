using System.Buffers;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Cohort.Core;
using Cohort.Core.LineProtocol;

namespace Cohort.Benchmarks;

/// <summary>
/// Line protocol over 100,000 mixed points (4 measurements, 2-3 tags, double/int/uint/bool/string fields,
/// timestamps), read from <c>benchmarks/peers/influxdb-client/points.json</c>, the same file the Node peer
/// serializes (generate it with <c>npm install &amp;&amp; npm run generate</c> there). Every figure is per point
/// (<c>OperationsPerInvoke</c>).
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project benchmarks/Cohort.Benchmarks -- --filter '*LineProtocol*' --job short</c>.
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class LineProtocolBenchmarks
{
    /// <summary>The number of points in the input.</summary>
    public const int Points = 100_000;

    private readonly LineProtocolReader _reader = new();
    private readonly LineProtocolWriter _writer = LineProtocolWriter.Default;
    private Record[] _records = [];
    private Point[] _points = [];
    private PointBatch _batch = new();
    private PointBatch _target = new();
    private byte[] _input = [];
    private byte[] _numericInput = [];
    private ArrayBufferWriter<byte> _output = new();

    [GlobalSetup]
    public void Setup()
    {
        _records = Load(FindInput());
        if (_records.Length != Points)
        {
            throw new InvalidOperationException($"points.json holds {_records.Length} points; regenerate it with 'npm run generate' (100,000).");
        }

        _points = [.. _records.Select(r => new Point(r.Measurement, TagSet.Create(r.Tags), r.Fields, r.Timestamp))];
        _batch = PointBatch.FromPoints(_points);
        _output = new ArrayBufferWriter<byte>(16 << 20);
        _writer.Write(_batch, _output);
        _input = _output.WrittenSpan.ToArray();
        _target = new PointBatch(_batch.ValueCount);
        _reader.Read(_input, _target);

        // The same points without their string fields: strings are the only values that allocate when read.
        var numeric = PointBatch.FromPoints(_points.Select(p => new Point(p.Series, p.Fields.Where(f => f.Value.Kind != FieldKind.String), p.Timestamp)));
        var buffer = new ArrayBufferWriter<byte>(16 << 20);
        _writer.Write(numeric, buffer);
        _numericInput = buffer.WrittenSpan.ToArray();
        _reader.Read(_numericInput, _target);
    }

    /// <summary>Parse the 100k lines into a reused batch (cleared, so its series are already interned).</summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public int ParseIntoReusedBatch()
    {
        _target.Clear();
        return _reader.Read(_input, _target).Points;
    }

    /// <summary>The same, without the string fields (which allocate their strings): the per-point overhead.</summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public int ParseWithoutStringsIntoReusedBatch()
    {
        _target.Clear();
        return _reader.Read(_numericInput, _target).Points;
    }

    /// <summary>Serialize a batch of 100k points into a reused buffer writer.</summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public int SerializeBatch()
    {
        _output.ResetWrittenCount();
        return _writer.Write(_batch, _output).Written;
    }

    /// <summary>Serialize 100k prebuilt <see cref="Point"/> objects one by one (series escaped every time).</summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public int SerializePoints()
    {
        _output.ResetWrittenCount();
        var written = 0;
        foreach (var point in _points)
        {
            written += _writer.Write(point, _output).Written;
        }

        return written;
    }

    /// <summary>
    /// What the Node peer does: build each point (tags sorted, fields checked) from its record, then serialize it.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public int BuildAndSerializePoints()
    {
        _output.ResetWrittenCount();
        var written = 0;
        foreach (var record in _records)
        {
            var point = new Point(record.Measurement, TagSet.Create(record.Tags), record.Fields, record.Timestamp);
            written += _writer.Write(point, _output).Written;
        }

        return written;
    }

    private static string FindInput()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("COHORT_LP_POINTS");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "benchmarks", "peers", "influxdb-client", "points.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("benchmarks/peers/influxdb-client/points.json not found: run 'npm install && npm run generate' in benchmarks/peers/influxdb-client (or set COHORT_LP_POINTS).");
    }

    private static Record[] Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var records = new List<Record>(Points);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var tags = element.GetProperty("t").EnumerateObject().Select(p => new Tag(p.Name, p.Value.GetString()!)).ToArray();
            var fields = element.GetProperty("f").EnumerateObject().Select(p =>
            {
                var value = p.Value.GetProperty("v");
                FieldValue typed = p.Value.GetProperty("k").GetString() switch
                {
                    "float" => value.GetDouble(),
                    "int" => value.GetInt64(),
                    "uint" => value.GetUInt64(),
                    "bool" => value.GetBoolean(),
                    _ => value.GetString()!,
                };
                return new Field(p.Name, typed);
            }).ToArray();
            var timestamp = long.Parse(element.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture);
            records.Add(new Record(element.GetProperty("m").GetString()!, tags, fields, timestamp));
        }

        return [.. records];
    }

    private sealed record Record(string Measurement, Tag[] Tags, Field[] Fields, long Timestamp);
}
