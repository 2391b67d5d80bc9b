// SharpFuzz harness for the line protocol reader. Each input is read strictly (only LineProtocolException may
// escape, and it is caught), leniently (nothing may escape), and what was read is written and read back (the same
// points must return). Any other exception or a failed check crashes the run: that is a finding.
//   libFuzzer (default):  Cohort.Core.Fuzz [libfuzzer]      AFL:  Cohort.Core.Fuzz afl
//   Replay one file:      Cohort.Core.Fuzz run <file>
// See README.md for instrumenting Cohort.Core.dll and running for longer.
using System.Buffers;
using Cohort.Core;
using Cohort.Core.LineProtocol;
using SharpFuzz;

var strict = new LineProtocolReader(new LineProtocolReaderOptions { TimeProvider = new FixedTime() });
var lenient = new LineProtocolReader(new LineProtocolReaderOptions { Lenient = true, TimeProvider = new FixedTime() });
var batch = new PointBatch();
var again = new PointBatch();
var output = new ArrayBufferWriter<byte>();
var runs = 0;

void Check(ReadOnlySpan<byte> input)
{
    // Forget interned series now and then so memory stays flat over millions of inputs.
    if (++runs % 1_000 == 0)
    {
        batch.Reset();
        again.Reset();
    }

    batch.Clear();
    try
    {
        strict.Read(input, batch);
    }
    catch (LineProtocolException error) when (error.Line >= 1 && error.Column >= 1)
    {
        // Expected for bad input; a position below 1 is a bug and escapes.
    }

    batch.Clear();
    var result = lenient.Read(input, batch);
    if (result.Points != batch.PointCount)
    {
        throw new InvalidOperationException($"lenient read reported {result.Points} points but the batch holds {batch.PointCount}");
    }

    // What was read must write (nothing rejected: it came from line protocol) and read back the same.
    output.ResetWrittenCount();
    var written = LineProtocolWriter.Default.Write(batch, output);
    if (!written.IsComplete)
    {
        throw new InvalidOperationException($"a point read from line protocol could not be written: {written.Rejections[0]}");
    }

    again.Clear();
    strict.Read(output.WrittenSpan, again);
    if (!batch.ToPoints().SequenceEqual(again.ToPoints()))
    {
        throw new InvalidOperationException("writing what was read and reading it again changed the points");
    }
}

switch (args.FirstOrDefault() ?? "libfuzzer")
{
    case "afl":
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            Check(memory.GetBuffer().AsSpan(0, (int)memory.Length));
        });
        break;
    case "run" when args.Length > 1:
        Check(File.ReadAllBytes(args[1]));
        Console.WriteLine($"{args[1]}: ok");
        break;
    default:
        Fuzzer.LibFuzzer.Run(span => Check(span));
        break;
}

/// <summary>A clock that never moves, so lines without a timestamp read the same twice.</summary>
internal sealed class FixedTime : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
