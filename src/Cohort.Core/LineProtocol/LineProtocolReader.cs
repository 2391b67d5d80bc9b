using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Cohort.Core.LineProtocol;

/// <summary>
/// Reads InfluxDB line protocol (UTF-8) into a <see cref="PointBatch"/>:
/// <c>measurement[,tag=value...] field=value[,field=value...] [timestamp]</c>, one point a line.
/// </summary>
/// <remarks>
/// <para>The reader is immutable and thread-safe; its state lives in the batch it reads into. Reading into a reused
/// batch (after <see cref="PointBatch.Clear"/>) allocates nothing per point for series and field keys the batch has
/// seen before: they are looked up by the raw bytes of the line. String field values allocate their string, except
/// short ones (up to 64 UTF-8 bytes) that repeat, which share one instance per batch (up to 4,096 distinct values).
/// </para>
/// <para>In strict mode (the default) the first bad line throws a <see cref="LineProtocolException"/>; the good lines
/// before it stay in the batch. In lenient mode (<see cref="LineProtocolReaderOptions.Lenient"/>) bad lines become
/// <see cref="Rejection"/>s in the result and every good line is kept. A bad line never adds a row.</para>
/// <para>See <c>docs/line-protocol.md</c> for the grammar, escaping and error messages.</para>
/// </remarks>
public sealed class LineProtocolReader
{
    private const int StreamChunkFloor = 4096;

    private readonly long _factor;
    private readonly bool _lenient;
    private readonly bool _unescapeLineFeeds;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxLineLength;
    private readonly int _maxRecordLength;

    /// <summary>Creates a reader.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults (strict, nanoseconds).</param>
    public LineProtocolReader(LineProtocolReaderOptions? options = null)
    {
        Options = options ?? new LineProtocolReaderOptions();
        ArgumentNullException.ThrowIfNull(Options.TimeProvider, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxLineLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxRecordLength, 1, nameof(options));
        _factor = Timestamps.NanosecondsPer(Options.Precision);
        _lenient = Options.Lenient;
        _unescapeLineFeeds = Options.UnescapeLineFeeds;
        _timeProvider = Options.TimeProvider;
        _maxLineLength = Options.MaxLineLength;
        _maxRecordLength = Options.MaxRecordLength;
    }

    /// <summary>The options this reader was created with.</summary>
    public LineProtocolReaderOptions Options { get; }

    /// <summary>Reads every line of UTF-8 line protocol into <paramref name="batch"/>.</summary>
    /// <exception cref="LineProtocolException">A bad line, in strict mode.</exception>
    public LineProtocolReadResult Read(ReadOnlySpan<byte> utf8, PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var state = default(ReadState);
        ReadLines(utf8, batch, ref state);
        return state.ToResult();
    }

    /// <summary>Reads every line of UTF-8 line protocol held in a sequence (lines may span segments).</summary>
    /// <exception cref="LineProtocolException">A bad line, in strict mode.</exception>
    public LineProtocolReadResult Read(ReadOnlySequence<byte> utf8, PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (utf8.IsSingleSegment)
        {
            return Read(utf8.FirstSpan, batch);
        }

        var state = default(ReadState);
        ReadSequence(utf8, batch, ref state, isFinal: true);
        return state.ToResult();
    }

    /// <summary>Reads every line of a string of line protocol.</summary>
    /// <exception cref="LineProtocolException">A bad line, in strict mode.</exception>
    public LineProtocolReadResult Read(string text, PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(batch);
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, rented);
            return Read(rented.AsSpan(0, length), batch);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Reads line protocol from a stream line by line, holding at most a few lines in memory, until the stream ends.
    /// The stream is left open.
    /// </summary>
    /// <exception cref="LineProtocolException">A bad line, in strict mode.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The house style puts an optional cancellation token last on every async method; the overloads differ in their first parameter's type.")]
    public async ValueTask<LineProtocolReadResult> ReadAsync(Stream stream, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(batch);
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: StreamChunkFloor, leaveOpen: true));
        try
        {
            return await ReadAsync(pipe, batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads line protocol from a pipe line by line until it completes, consuming what it reads. The pipe is not
    /// completed.
    /// </summary>
    /// <exception cref="LineProtocolException">A bad line, in strict mode.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The house style puts an optional cancellation token last on every async method; the overloads differ in their first parameter's type.")]
    public async ValueTask<LineProtocolReadResult> ReadAsync(PipeReader reader, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(batch);
        var box = new StateBox();
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = ReadSequence(buffer, batch, ref box.State, result.IsCompleted);
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                break;
            }

            reader.AdvanceTo(consumed, buffer.End);
        }

        return box.State.ToResult();
    }

    private void ReadLines(ReadOnlySpan<byte> utf8, PointBatch batch, ref ReadState state)
    {
        while (!utf8.IsEmpty)
        {
            var newline = utf8.IndexOf((byte)'\n');
            if (newline < 0)
            {
                ReadLine(utf8, batch, ref state);
                return;
            }

            ReadLine(utf8[..newline], batch, ref state);
            utf8 = utf8[(newline + 1)..];
        }
    }

    /// <summary>Reads the complete lines of a sequence (and the last, unterminated one when final).</summary>
    /// <returns>The position up to which the input was consumed.</returns>
    private SequencePosition ReadSequence(ReadOnlySequence<byte> buffer, PointBatch batch, ref ReadState state, bool isFinal)
    {
        var sequence = new SequenceReader<byte>(buffer);
        while (sequence.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (state.SkippingLongLine)
            {
                // The tail of a line already rejected as too long.
                state.SkippingLongLine = false;
                continue;
            }

            ReadLine(line, batch, ref state);
        }

        var rest = sequence.UnreadSequence;
        if (state.SkippingLongLine)
        {
            return buffer.End;
        }

        if (isFinal)
        {
            if (!rest.IsEmpty)
            {
                ReadLine(rest, batch, ref state);
            }

            return buffer.End;
        }

        if (rest.Length > _maxLineLength + 1)
        {
            // No newline in sight (and more than room for a CR): reject the line now, skip the rest as it arrives.
            var head = rest.Slice(0, Math.Min(rest.Length, _maxRecordLength * 4L));
            state.Line++;
            Fail(ref state, head.ToArray(), 0, LineTooLong());
            state.SkippingLongLine = true;
            return buffer.End;
        }

        return sequence.Position;
    }

    private void ReadLine(ReadOnlySequence<byte> line, PointBatch batch, ref ReadState state)
    {
        if (line.IsSingleSegment)
        {
            ReadLine(line.FirstSpan, batch, ref state);
            return;
        }

        if (line.Length > _maxLineLength + 1)
        {
            var head = line.Slice(0, Math.Min(line.Length, _maxRecordLength * 4L)).ToArray();
            state.Line++;
            Fail(ref state, head, 0, LineTooLong());
            return;
        }

        var length = (int)line.Length;
        var buffer = batch.LineProtocol.GetLineBuffer(length);
        line.CopyTo(buffer);
        ReadLine(buffer.AsSpan(0, length), batch, ref state);
    }

    private void ReadLine(ReadOnlySpan<byte> line, PointBatch batch, ref ReadState state)
    {
        state.Line++;
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Length > _maxLineLength)
        {
            Fail(ref state, line, 0, LineTooLong());
            return;
        }

        var cache = batch.LineProtocol;
        var outcome = ParseLine(line, batch, cache, ref state, out var errorAt, out var reason);
        if (outcome == LineOutcome.Point)
        {
            state.Points++;
        }
        else if (outcome == LineOutcome.Error)
        {
            Fail(ref state, line, errorAt, reason!);
        }
    }

    private string LineTooLong() => string.Create(CultureInfo.InvariantCulture, $"line is longer than {_maxLineLength} bytes");

    private void Fail(ref ReadState state, ReadOnlySpan<byte> line, int errorAt, string reason)
    {
        var column = Encoding.UTF8.GetCharCount(line[..Math.Clamp(errorAt, 0, line.Length)]) + 1;
        if (!_lenient)
        {
            throw new LineProtocolException(state.Line, column, reason);
        }

        state.Rejections ??= ImmutableArray.CreateBuilder<Rejection>();
        state.Rejections.Add(new Rejection(reason) { Line = state.Line, Column = column, Record = RecordOf(line) });
    }

    private string RecordOf(ReadOnlySpan<byte> line)
    {
        var slice = line.Length > _maxRecordLength * 4 ? line[..(_maxRecordLength * 4)] : line;
        var text = Encoding.UTF8.GetString(slice);
        if (text.Length <= _maxRecordLength && slice.Length == line.Length)
        {
            return text;
        }

        var cut = Math.Min(text.Length, _maxRecordLength);
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), "…");
    }

    private LineOutcome ParseLine(ReadOnlySpan<byte> line, PointBatch batch, LineProtocolCache cache, ref ReadState state, out int errorAt, out string? reason)
    {
        errorAt = 0;
        reason = null;

        // Trailing spaces and tabs are ignored, and so are leading ones.
        var end = line.Length;
        while (end > 0 && (line[end - 1] == (byte)' ' || line[end - 1] == (byte)'\t'))
        {
            end--;
        }

        line = line[..end];
        var i = 0;
        while (i < line.Length && (line[i] == (byte)' ' || line[i] == (byte)'\t'))
        {
            i++;
        }

        if (i == line.Length || line[i] == (byte)'#')
        {
            return LineOutcome.Skipped;
        }

        // The series: measurement and tags up to the first unescaped space, looked up by its raw bytes.
        var seriesStart = i;
        i = ScanTo(line, i, (byte)' ', (byte)' ', (byte)' ');
        if (i >= line.Length)
        {
            return Error(line.Length, "expected a space and a field set after the measurement and tags", out errorAt, out reason);
        }

        var rawSeries = line[seriesStart..i];
        if (!cache.TryGetSeries(rawSeries, out var seriesId) &&
            !TryInternSeries(rawSeries, seriesStart, batch, cache, out seriesId, out errorAt, out reason))
        {
            return LineOutcome.Error;
        }

        while (i < line.Length && line[i] == (byte)' ')
        {
            i++;
        }

        // The fields, into scratch first: a bad line must not leave rows behind.
        var count = 0;
        var hasStrings = false;
        try
        {
            while (true)
            {
                var keyStart = i;
                i = ScanTo(line, i, (byte)'=', (byte)',', (byte)' ');
                var rawKey = line[keyStart..i];
                if (rawKey.IsEmpty)
                {
                    return Error(keyStart, "expected a field key", out errorAt, out reason);
                }

                if (i >= line.Length || line[i] != (byte)'=')
                {
                    return Error(i, $"expected '=' after field key \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
                }

                if (!cache.TryGetField(rawKey, out var fieldId) &&
                    !TryInternField(rawKey, keyStart, batch, cache, out fieldId, out errorAt, out reason))
                {
                    return LineOutcome.Error;
                }

                i++;
                if (!TryParseValue(line, ref i, rawKey, cache, _unescapeLineFeeds, out var kind, out var bits, out var text, out errorAt, out reason))
                {
                    return LineOutcome.Error;
                }

                hasStrings |= text is not null;
                var slot = IndexOf(cache.LineFieldIds, count, fieldId);
                if (slot < 0)
                {
                    // A key given twice in a line keeps its last value (in the place of its first).
                    cache.EnsureLineCapacity(count + 1);
                    slot = count++;
                }

                cache.LineFieldIds[slot] = fieldId;
                cache.LineKinds[slot] = kind;
                cache.LineBits[slot] = bits;
                cache.LineStrings[slot] = text;

                if (i >= line.Length || line[i] == (byte)' ')
                {
                    break;
                }

                if (line[i] != (byte)',')
                {
                    return Error(i, $"expected ',' or a space after the value of field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
                }

                i++;
            }

            while (i < line.Length && line[i] == (byte)' ')
            {
                i++;
            }

            long timestamp;
            if (i == line.Length)
            {
                if (!state.HasDefaultTimestamp)
                {
                    state.DefaultTimestamp = Timestamps.Now(_timeProvider);
                    state.HasDefaultTimestamp = true;
                }

                timestamp = state.DefaultTimestamp;
            }
            else if (!TryParseTimestamp(line, i, out timestamp, out errorAt, out reason))
            {
                return LineOutcome.Error;
            }

            for (var k = 0; k < count; k++)
            {
                batch.AddRow(seriesId, cache.LineFieldIds[k], timestamp, cache.LineKinds[k], cache.LineBits[k], cache.LineStrings[k], forceNewPoint: k == 0);
            }

            return LineOutcome.Point;
        }
        finally
        {
            if (hasStrings)
            {
                Array.Clear(cache.LineStrings, 0, count);
            }
        }
    }

    private static int IndexOf(int[] ids, int count, int id)
    {
        for (var k = 0; k < count; k++)
        {
            if (ids[k] == id)
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>The index of the first unescaped <paramref name="a"/>, <paramref name="b"/> or <paramref name="c"/>, or the length.</summary>
    private static int ScanTo(ReadOnlySpan<byte> text, int i, byte a, byte b, byte c)
    {
        while (i < text.Length)
        {
            var x = text[i];
            if (x == (byte)'\\')
            {
                // A backslash always takes the next byte with it: \, \= \space \\ or a literal backslash pair.
                i += 2;
                continue;
            }

            if (x == a || x == b || x == c)
            {
                return i;
            }

            i++;
        }

        return text.Length;
    }

    private static LineOutcome Error(int at, string message, out int errorAt, out string? reason)
    {
        errorAt = at;
        reason = message;
        return LineOutcome.Error;
    }

    private static bool Fails(int at, string message, out int errorAt, out string? reason)
    {
        errorAt = at;
        reason = message;
        return false;
    }

    private static bool TryInternSeries(ReadOnlySpan<byte> raw, int offset, PointBatch batch, LineProtocolCache cache, out int seriesId, out int errorAt, out string? reason)
    {
        seriesId = -1;
        var p = ScanTo(raw, 0, (byte)',', (byte)',', (byte)',');
        if (p == 0)
        {
            return Fails(offset, "missing measurement", out errorAt, out reason);
        }

        if (!TryDecodeName(raw[..p], Escapes.Measurement, cache, out var measurement))
        {
            return Fails(offset, "measurement is not valid UTF-8", out errorAt, out reason);
        }

        List<Tag>? tags = null;
        while (p < raw.Length)
        {
            // raw[p] is an unescaped comma.
            p++;
            var keyStart = p;
            p = ScanTo(raw, p, (byte)'=', (byte)',', (byte)',');
            if (p == keyStart)
            {
                return Fails(offset + keyStart, p < raw.Length && raw[p] == (byte)'=' ? "empty tag key" : "expected a tag key after ','", out errorAt, out reason);
            }

            var rawKey = raw[keyStart..p];
            if (p >= raw.Length || raw[p] != (byte)'=')
            {
                return Fails(offset + p, $"expected '=' after tag key \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
            }

            if (!TryDecodeName(rawKey, Escapes.Key, cache, out var key))
            {
                return Fails(offset + keyStart, "tag key is not valid UTF-8", out errorAt, out reason);
            }

            p++;
            var valueStart = p;
            p = ScanTo(raw, p, (byte)',', (byte)'=', (byte)',');
            if (p < raw.Length && raw[p] == (byte)'=')
            {
                return Fails(offset + p, $"unescaped '=' in the value of tag \"{key}\"", out errorAt, out reason);
            }

            if (p == valueStart)
            {
                return Fails(offset + valueStart, $"empty value for tag \"{key}\"", out errorAt, out reason);
            }

            if (!TryDecodeName(raw[valueStart..p], Escapes.Key, cache, out var value))
            {
                return Fails(offset + valueStart, $"value of tag \"{key}\" is not valid UTF-8", out errorAt, out reason);
            }

            tags ??= [];
            foreach (var tag in tags)
            {
                if (string.Equals(tag.Key, key, StringComparison.Ordinal))
                {
                    return Fails(offset + keyStart, $"tag \"{key}\" is given twice", out errorAt, out reason);
                }
            }

            tags.Add(new Tag(key, value));
        }

        var series = new SeriesKey(measurement, tags is null ? TagSet.Empty : TagSet.Create(tags));
        seriesId = batch.InternSeries(series);
        cache.AddSeries(raw, seriesId);
        errorAt = 0;
        reason = null;
        return true;
    }

    private static bool TryInternField(ReadOnlySpan<byte> raw, int offset, PointBatch batch, LineProtocolCache cache, out int fieldId, out int errorAt, out string? reason)
    {
        fieldId = -1;
        if (!TryDecodeName(raw, Escapes.Key, cache, out var key))
        {
            return Fails(offset, "field key is not valid UTF-8", out errorAt, out reason);
        }

        fieldId = batch.InternField(key);
        cache.AddField(raw, fieldId);
        errorAt = 0;
        reason = null;
        return true;
    }

    private static bool TryParseValue(ReadOnlySpan<byte> line, ref int i, ReadOnlySpan<byte> rawKey, LineProtocolCache cache, bool lineFeeds, out FieldKind kind, out long bits, out string? text, out int errorAt, out string? reason)
    {
        kind = FieldKind.Double;
        bits = 0;
        text = null;
        errorAt = 0;
        reason = null;
        var start = i;
        if (start < line.Length && line[start] == (byte)'"')
        {
            return TryParseString(line, ref i, rawKey, cache, lineFeeds, out kind, out text, out errorAt, out reason);
        }

        var end = start;
        while (end < line.Length && line[end] != (byte)',' && line[end] != (byte)' ')
        {
            end++;
        }

        i = end;
        var token = line[start..end];
        if (token.IsEmpty)
        {
            return Fails(start, $"missing value for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
        }

        switch (token[0])
        {
            case (byte)'t' or (byte)'T' or (byte)'f' or (byte)'F':
                kind = FieldKind.Boolean;
                if (token.SequenceEqual("t"u8) || token.SequenceEqual("T"u8) || token.SequenceEqual("true"u8) || token.SequenceEqual("True"u8) || token.SequenceEqual("TRUE"u8))
                {
                    bits = 1;
                    return true;
                }

                if (token.SequenceEqual("f"u8) || token.SequenceEqual("F"u8) || token.SequenceEqual("false"u8) || token.SequenceEqual("False"u8) || token.SequenceEqual("FALSE"u8))
                {
                    bits = 0;
                    return true;
                }

                return Fails(start, $"invalid boolean {Quote(token)} for field \"{DecodeForMessage(rawKey, cache)}\" (booleans are t, T, true, True, TRUE, f, F, false, False or FALSE; strings need double quotes)", out errorAt, out reason);
            case (byte)'-' or (byte)'.' or (>= (byte)'0' and <= (byte)'9'):
                break;
            default:
                return Fails(start, $"invalid value {Quote(token)} for field \"{DecodeForMessage(rawKey, cache)}\" (strings need double quotes)", out errorAt, out reason);
        }

        var last = token[^1];
        if (last == (byte)'i')
        {
            kind = FieldKind.Int64;
            var digits = token[..^1];
            var negative = !digits.IsEmpty && digits[0] == (byte)'-';
            switch (TryParseDigits(negative ? digits[1..] : digits, out var magnitude))
            {
                case DigitsOutcome.Invalid:
                    return Fails(start, $"invalid integer {Quote(token)} for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
                case DigitsOutcome.Overflow:
                    return Fails(start, $"integer {Quote(token)} is out of range for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
            }

            if (negative ? magnitude > 1UL << 63 : magnitude > long.MaxValue)
            {
                return Fails(start, $"integer {Quote(token)} is out of range for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
            }

            bits = negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
            return true;
        }

        if (last == (byte)'u')
        {
            kind = FieldKind.UInt64;
            var digits = token[..^1];
            if (!digits.IsEmpty && digits[0] == (byte)'-' && TryParseDigits(digits[1..], out _) != DigitsOutcome.Invalid)
            {
                return Fails(start, $"unsigned integer {Quote(token)} is negative for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
            }

            switch (TryParseDigits(digits, out var magnitude))
            {
                case DigitsOutcome.Invalid:
                    return Fails(start, $"invalid unsigned integer {Quote(token)} for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
                case DigitsOutcome.Overflow:
                    return Fails(start, $"unsigned integer {Quote(token)} is out of range for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
            }

            bits = unchecked((long)magnitude);
            return true;
        }

        kind = FieldKind.Double;
        if (!IsFloatSyntax(token) || !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return Fails(start, $"invalid number {Quote(token)} for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
        }

        if (!double.IsFinite(number))
        {
            return Fails(start, $"float {Quote(token)} is out of range for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
        }

        bits = BitConverter.DoubleToInt64Bits(number);
        return true;
    }

    private static bool TryParseString(ReadOnlySpan<byte> line, ref int i, ReadOnlySpan<byte> rawKey, LineProtocolCache cache, bool lineFeeds, out FieldKind kind, out string? text, out int errorAt, out string? reason)
    {
        kind = FieldKind.String;
        text = null;
        var open = i;
        var q = open + 1;
        var escaped = false;
        while (q < line.Length)
        {
            var b = line[q];
            if (b == (byte)'\\')
            {
                escaped = true;
                q += 2;
                continue;
            }

            if (b == (byte)'"')
            {
                break;
            }

            q++;
        }

        if (q >= line.Length)
        {
            return Fails(open, $"unterminated string value for field \"{DecodeForMessage(rawKey, cache)}\"", out errorAt, out reason);
        }

        var content = line[(open + 1)..q];
        i = q + 1;
        if (escaped)
        {
            var scratch = cache.GetScratch(content.Length);
            var n = 0;
            for (var k = 0; k < content.Length; k++)
            {
                var b = content[k];
                if (b == (byte)'\\' && k + 1 < content.Length && (content[k + 1] == (byte)'"' || content[k + 1] == (byte)'\\'))
                {
                    b = content[++k];
                }
                else if (lineFeeds && b == (byte)'\\' && k + 1 < content.Length && content[k + 1] == (byte)'n')
                {
                    b = (byte)'\n';
                    k++;
                }

                scratch[n++] = b;
            }

            content = scratch.AsSpan(0, n);
        }

        if (!Utf8.IsValid(content))
        {
            return Fails(open, $"string value of field \"{DecodeForMessage(rawKey, cache)}\" is not valid UTF-8", out errorAt, out reason);
        }

        text = cache.GetString(content);
        errorAt = 0;
        reason = null;
        return true;
    }

    private bool TryParseTimestamp(ReadOnlySpan<byte> line, int start, out long timestamp, out int errorAt, out string? reason)
    {
        timestamp = 0;
        var end = line[start..].IndexOfAny((byte)' ', (byte)'\t');
        if (end >= 0)
        {
            return Fails(start + end, "unexpected text after the timestamp", out errorAt, out reason);
        }

        var token = line[start..];
        var negative = token[0] == (byte)'-';
        var outcome = TryParseDigits(negative ? token[1..] : token, out var magnitude);
        if (outcome == DigitsOutcome.Invalid)
        {
            return Fails(start, $"invalid timestamp {Quote(token)}", out errorAt, out reason);
        }

        if (outcome == DigitsOutcome.Overflow || (negative ? magnitude > 1UL << 63 : magnitude > long.MaxValue))
        {
            return Fails(start, $"timestamp {Quote(token)} is out of range", out errorAt, out reason);
        }

        var value = negative ? unchecked((long)(0UL - magnitude)) : (long)magnitude;
        var high = Math.BigMul(value, _factor, out var low);
        if ((high != 0 || low < 0) && (high != -1 || low >= 0))
        {
            return Fails(start, $"timestamp {Quote(token)} is out of range at precision {Options.Precision}", out errorAt, out reason);
        }

        timestamp = low;
        errorAt = 0;
        reason = null;
        return true;
    }

    private static DigitsOutcome TryParseDigits(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return DigitsOutcome.Invalid;
        }

        var overflow = false;
        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9)
            {
                return DigitsOutcome.Invalid;
            }

            if (value > (ulong.MaxValue - d) / 10)
            {
                overflow = true;
            }

            value = unchecked((value * 10) + d);
        }

        return overflow ? DigitsOutcome.Overflow : DigitsOutcome.Ok;
    }

    /// <summary>Whether a token is <c>-?digits[.digits][(e|E)[+-]digits]</c> with at least one mantissa digit.</summary>
    private static bool IsFloatSyntax(ReadOnlySpan<byte> token)
    {
        var p = 0;
        if (p < token.Length && token[p] == (byte)'-')
        {
            p++;
        }

        var mantissa = 0;
        while (p < token.Length && char.IsAsciiDigit((char)token[p]))
        {
            p++;
            mantissa++;
        }

        if (p < token.Length && token[p] == (byte)'.')
        {
            p++;
            while (p < token.Length && char.IsAsciiDigit((char)token[p]))
            {
                p++;
                mantissa++;
            }
        }

        if (mantissa == 0)
        {
            return false;
        }

        if (p < token.Length && (token[p] == (byte)'e' || token[p] == (byte)'E'))
        {
            p++;
            if (p < token.Length && (token[p] == (byte)'+' || token[p] == (byte)'-'))
            {
                p++;
            }

            var exponent = 0;
            while (p < token.Length && char.IsAsciiDigit((char)token[p]))
            {
                p++;
                exponent++;
            }

            if (exponent == 0)
            {
                return false;
            }
        }

        return p == token.Length;
    }

    /// <summary>Unescapes a measurement, tag key, tag value or field key and decodes it, checking UTF-8.</summary>
    private static bool TryDecodeName(ReadOnlySpan<byte> raw, Escapes escapes, LineProtocolCache cache, out string name)
    {
        var bytes = Unescape(raw, escapes, cache);
        if (!Utf8.IsValid(bytes))
        {
            name = string.Empty;
            return false;
        }

        name = Encoding.UTF8.GetString(bytes);
        return true;
    }

    private static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> raw, Escapes escapes, LineProtocolCache cache)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return raw;
        }

        var scratch = cache.GetScratch(raw.Length);
        var n = 0;
        for (var k = 0; k < raw.Length; k++)
        {
            var b = raw[k];
            if (b == (byte)'\\' && k + 1 < raw.Length && IsEscapable(raw[k + 1], escapes))
            {
                b = raw[++k];
            }

            scratch[n++] = b;
        }

        return scratch.AsSpan(0, n);
    }

    internal static bool IsEscapable(byte b, Escapes escapes) => b switch
    {
        (byte)'\\' or (byte)',' or (byte)' ' => true,
        (byte)'=' => escapes == Escapes.Key,
        _ => false,
    };

    private static string DecodeForMessage(ReadOnlySpan<byte> raw, LineProtocolCache cache)
    {
        var text = Encoding.UTF8.GetString(Unescape(raw, Escapes.Key, cache));
        return text.Length > 64 ? string.Concat(text.AsSpan(0, 64), "…") : text;
    }

    private static string Quote(ReadOnlySpan<byte> token)
    {
        var text = Encoding.UTF8.GetString(token.Length > 64 ? token[..64] : token);
        return "\"" + text + (token.Length > 64 ? "…\"" : "\"");
    }

    /// <summary>Which characters a backslash escapes in a name.</summary>
    internal enum Escapes
    {
        /// <summary>Measurements: comma, space, backslash.</summary>
        Measurement,

        /// <summary>Tag keys, tag values, field keys: comma, equals sign, space, backslash.</summary>
        Key,
    }

    private enum LineOutcome
    {
        Skipped,
        Point,
        Error,
    }

    private enum DigitsOutcome
    {
        Ok,
        Invalid,
        Overflow,
    }

    [StructLayout(LayoutKind.Auto)]
    private struct ReadState
    {
        public long Line;
        public int Points;
        public ImmutableArray<Rejection>.Builder? Rejections;
        public long DefaultTimestamp;
        public bool HasDefaultTimestamp;
        public bool SkippingLongLine;

        public readonly LineProtocolReadResult ToResult() =>
            new(Points, Line, Rejections is null ? ImmutableArray<Rejection>.Empty : Rejections.ToImmutable());
    }

    private sealed class StateBox
    {
        public ReadState State;
    }
}
