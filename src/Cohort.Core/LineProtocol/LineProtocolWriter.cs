using System.Buffers;
using System.Buffers.Text;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Cohort.Core.LineProtocol;

/// <summary>
/// Writes points as InfluxDB line protocol (UTF-8), one line per point:
/// <c>measurement[,tag=value...] field=value[,field=value...] [timestamp]\n</c>.
/// </summary>
/// <remarks>
/// <para>Measurements escape commas and spaces; tag keys, tag values and field keys escape commas, equals signs and
/// spaces; string values escape double quotes and backslashes. A backslash in a name is doubled only where it would
/// otherwise read as an escape (before an escapable character or at the end). Doubles are written in their shortest
/// round-trip form, integers with <c>i</c>, unsigned integers with <c>u</c>, booleans as <c>true</c>/<c>false</c>.</para>
/// <para>What line protocol cannot carry is rejected, never silently dropped: a NaN or infinite double, or a string
/// value with a line feed, rejects that field (the point keeps its other fields); a measurement, tag or field key with
/// a line feed or an unpaired surrogate, or a measurement that starts with <c>#</c> or a tab, rejects the point. The
/// <see cref="WriteResult"/> lists each rejection with the batch row (<see cref="Rejection.Index"/>).</para>
/// <para>The writer is immutable and thread-safe. Writing a <see cref="PointBatch"/> caches the escaped bytes of each
/// series and field key in the batch, so writing a reused batch escapes each series once and allocates nothing
/// per point.</para>
/// </remarks>
public sealed class LineProtocolWriter
{
    private const int MaxNumberLength = 32;
    private const int StreamChunk = 64 * 1024;

    // Characters written as they are in names: ASCII except the escapable ones and the backslash.
    private static readonly SearchValues<char> PlainMeasurement = SearchValues.Create(PlainAscii(",  \\\n"));
    private static readonly SearchValues<char> PlainKey = SearchValues.Create(PlainAscii(", =\\\n"));
    private static readonly SearchValues<char> PlainString = SearchValues.Create(PlainAscii("\"\\\n"));

    // IndexOfAnyInRange allocates on this runtime; SearchValues over the same ranges does not.
    private static readonly SearchValues<char> Ascii = SearchValues.Create(Range('\0', '\x7f'));
    private static readonly SearchValues<char> Surrogates = SearchValues.Create(Range('\uD800', '\uDFFF'));

    // Results are immutable: share the common ones so writing single points allocates nothing.
    private static readonly WriteResult[] Successes = [.. Enumerable.Range(0, 64).Select(WriteResult.Success)];

    private readonly long _factor;
    private readonly bool _timestamps;
    private readonly bool _escapeLineFeeds;

    /// <summary>Creates a writer.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults (nanoseconds, with timestamps).</param>
    public LineProtocolWriter(LineProtocolWriterOptions? options = null)
    {
        Options = options ?? new LineProtocolWriterOptions();
        _factor = Timestamps.NanosecondsPer(Options.Precision);
        _timestamps = Options.IncludeTimestamps;
        _escapeLineFeeds = Options.EscapeLineFeeds;
    }

    /// <summary>A writer with the default options: nanosecond timestamps.</summary>
    public static LineProtocolWriter Default { get; } = new();

    /// <summary>The options this writer was created with.</summary>
    public LineProtocolWriterOptions Options { get; }

    /// <summary>Writes every point of a batch.</summary>
    /// <returns>The number of field values written and the rejected ones, with their batch rows.</returns>
    public WriteResult Write(PointBatch batch, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(output);
        ImmutableArray<Rejection>.Builder? rejections = null;
        var written = WriteRows(batch, 0, batch.ValueCount, output, ref rejections);
        return Result(written, rejections);
    }

    /// <summary>Writes one point.</summary>
    /// <returns>The number of field values written and the rejected ones, with their field index.</returns>
    public WriteResult Write(Point point, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(output);
        ImmutableArray<Rejection>.Builder? rejections = null;
        var written = WritePoint(point, output, ref rejections);
        return Result(written, rejections);
    }

    /// <summary>Writes every point of a batch to a stream, in chunks of about 64 KiB. The stream is left open.</summary>
    public async ValueTask<WriteResult> WriteAsync(PointBatch batch, Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new ArrayBufferWriter<byte>(StreamChunk * 2);
        ImmutableArray<Rejection>.Builder? rejections = null;
        var written = 0;
        var row = 0;
        while (row < batch.ValueCount)
        {
            buffer.ResetWrittenCount();
            row = WriteChunk(batch, row, buffer, ref rejections, ref written);
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        return Result(written, rejections);
    }

    /// <summary>The line protocol of a batch as a string.</summary>
    /// <exception cref="ArgumentException">A point or field cannot be written (see the remarks on the type); use
    /// <see cref="Write(PointBatch, IBufferWriter{byte})"/> to keep the rest and learn which.</exception>
    public string WriteToString(PointBatch batch)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var result = Write(batch, buffer);
        ThrowOnRejection(result, nameof(batch));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The line protocol of a point as a string (with its trailing line feed).</summary>
    /// <exception cref="ArgumentException">The point or one of its fields cannot be written.</exception>
    public string WriteToString(Point point)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var result = Write(point, buffer);
        ThrowOnRejection(result, nameof(point));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void ThrowOnRejection(WriteResult result, string parameter)
    {
        if (!result.IsComplete)
        {
            var first = result.Rejections[0];
            throw new ArgumentException($"{result.Rejections.Length} value(s) cannot be written as line protocol; the first: {first.Reason}", parameter);
        }
    }

    private static WriteResult Result(int written, ImmutableArray<Rejection>.Builder? rejections) => rejections is not null
        ? new WriteResult(written, rejections.ToImmutable())
        : written < Successes.Length ? Successes[written] : WriteResult.Success(written);

    private int WriteChunk(PointBatch batch, int row, ArrayBufferWriter<byte> buffer, ref ImmutableArray<Rejection>.Builder? rejections, ref int written)
    {
        var count = batch.ValueCount;
        while (row < count && buffer.WrittenCount < StreamChunk)
        {
            var end = EndOfPoint(batch, row);
            written += WriteRows(batch, row, end, buffer, ref rejections);
            row = end;
        }

        return row;
    }

    private static int EndOfPoint(PointBatch batch, int row)
    {
        var end = row + 1;
        while (end < batch.ValueCount && !batch.StartsPoint(end))
        {
            end++;
        }

        return end;
    }

    private int WriteRows(PointBatch batch, int from, int to, IBufferWriter<byte> output, ref ImmutableArray<Rejection>.Builder? rejections)
    {
        var cache = batch.LineProtocol;
        var written = 0;
        var row = from;
        while (row < to)
        {
            var end = EndOfPoint(batch, row);
            written += WriteBatchPoint(batch, cache, row, end, output, ref rejections);
            row = end;
        }

        return written;
    }

    private int WriteBatchPoint(PointBatch batch, LineProtocolCache cache, int start, int end, IBufferWriter<byte> output, ref ImmutableArray<Rejection>.Builder? rejections)
    {
        var seriesId = batch.SeriesIds[start];
        var series = SeriesBytes(batch, cache, seriesId, out var problem);
        if (series is null)
        {
            Reject(ref rejections, new Rejection(problem!) { Index = start, Record = batch.GetSeries(seriesId).ToString() });
            return 0;
        }

        var fieldIds = batch.FieldIds;
        var kinds = batch.Kinds;
        var values = batch.RawValues;
        var size = series.Length + MaxNumberLength + 4;
        var good = 0;
        for (var row = start; row < end; row++)
        {
            var key = FieldBytes(batch, cache, fieldIds[row], out problem);
            problem ??= ValueProblem(kinds[row], values[row], batch, row);
            if (key is null || problem is not null)
            {
                Reject(ref rejections, new Rejection(problem!) { Index = row, Field = batch.GetFieldKey(fieldIds[row]) });
                continue;
            }

            size += key.Length + 2 + ValueSize(kinds[row], batch, row);
            good++;
        }

        if (good == 0)
        {
            return 0;
        }

        var span = output.GetSpan(size);
        series.CopyTo(span);
        var pos = series.Length;
        span[pos++] = (byte)' ';
        var first = true;
        for (var row = start; row < end; row++)
        {
            var fieldId = fieldIds[row];
            var key = fieldId < cache.FieldText.Length ? cache.FieldText[fieldId] : null;
            if (key is null || ValueProblem(kinds[row], values[row], batch, row) is not null)
            {
                continue;
            }

            if (!first)
            {
                span[pos++] = (byte)',';
            }

            first = false;
            key.CopyTo(span[pos..]);
            pos += key.Length;
            span[pos++] = (byte)'=';
            pos += kinds[row] == FieldKind.String
                ? WriteString(batch.GetValue(row).AsString(), _escapeLineFeeds, span[pos..])
                : WriteNumber(kinds[row], values[row], span[pos..]);
        }

        pos += WriteTimestamp(batch.Timestamps[start], span[pos..]);
        output.Advance(pos);
        return good;
    }

    private int WritePoint(Point point, IBufferWriter<byte> output, ref ImmutableArray<Rejection>.Builder? rejections)
    {
        var problem = SeriesProblem(point.Series);
        if (problem is not null)
        {
            Reject(ref rejections, new Rejection(problem) { Record = point.Series.ToString() });
            return 0;
        }

        var size = SeriesSize(point.Series) + MaxNumberLength + 4;
        var good = 0;
        var fields = point.Fields;
        for (var k = 0; k < fields.Length; k++)
        {
            var field = fields[k];
            problem = KeyProblem(field.Key, "field key") ?? ValueProblem(field.Value);
            if (problem is not null)
            {
                Reject(ref rejections, new Rejection(problem) { Index = k, Field = field.Key });
                continue;
            }

            size += (field.Key.Length * 3) + 2 + ValueSize(field.Value);
            good++;
        }

        if (good == 0)
        {
            return 0;
        }

        var span = output.GetSpan(size);
        var pos = WriteSeries(point.Series, span);
        span[pos++] = (byte)' ';
        var first = true;
        foreach (var field in fields)
        {
            if (KeyProblem(field.Key, "field key") is not null || ValueProblem(field.Value) is not null)
            {
                continue;
            }

            if (!first)
            {
                span[pos++] = (byte)',';
            }

            first = false;
            pos += WriteName(field.Key, PlainKey, LineProtocolReader.Escapes.Key, span[pos..]);
            span[pos++] = (byte)'=';
            pos += field.Value.Kind == FieldKind.String
                ? WriteString(field.Value.AsString(), _escapeLineFeeds, span[pos..])
                : WriteNumber(field.Value.Kind, field.Value.RawBits, span[pos..]);
        }

        pos += WriteTimestamp(point.Timestamp, span[pos..]);
        output.Advance(pos);
        return good;
    }

    private static void Reject(ref ImmutableArray<Rejection>.Builder? rejections, Rejection rejection)
    {
        rejections ??= ImmutableArray.CreateBuilder<Rejection>();
        rejections.Add(rejection);
    }

    private int WriteTimestamp(long timestamp, Span<byte> span)
    {
        var pos = 0;
        if (_timestamps)
        {
            if (_factor != 1)
            {
                var quotient = Math.DivRem(timestamp, _factor, out var remainder);
                timestamp = remainder < 0 ? quotient - 1 : quotient;
            }

            span[pos++] = (byte)' ';
            Utf8Formatter.TryFormat(timestamp, span[pos..], out var n);
            pos += n;
        }

        span[pos++] = (byte)'\n';
        return pos;
    }

    // ---- series and field keys of a batch, escaped once and cached by id ----

    private static byte[]? SeriesBytes(PointBatch batch, LineProtocolCache cache, int seriesId, out string? problem)
    {
        var texts = cache.SeriesText;
        if ((uint)seriesId < (uint)texts.Length && texts[seriesId] is { } cached)
        {
            problem = null;
            return cached;
        }

        var problems = cache.SeriesProblem;
        if ((uint)seriesId < (uint)problems.Length && problems[seriesId] is { } known)
        {
            problem = known;
            return null;
        }

        var series = batch.GetSeries(seriesId);
        problem = SeriesProblem(series);
        if (problem is not null)
        {
            Grow(ref cache.SeriesProblem, batch.SeriesCount)[seriesId] = problem;
            return null;
        }

        var bytes = new byte[SeriesSize(series)];
        var length = WriteSeries(series, bytes);
        var result = bytes.AsSpan(0, length).ToArray();
        Grow(ref cache.SeriesText, batch.SeriesCount)[seriesId] = result;
        return result;
    }

    private static byte[]? FieldBytes(PointBatch batch, LineProtocolCache cache, int fieldId, out string? problem)
    {
        var texts = cache.FieldText;
        if ((uint)fieldId < (uint)texts.Length && texts[fieldId] is { } cached)
        {
            problem = null;
            return cached;
        }

        var problems = cache.FieldProblem;
        if ((uint)fieldId < (uint)problems.Length && problems[fieldId] is { } known)
        {
            problem = known;
            return null;
        }

        var key = batch.GetFieldKey(fieldId);
        problem = KeyProblem(key, "field key");
        if (problem is not null)
        {
            Grow(ref cache.FieldProblem, batch.FieldKeyCount)[fieldId] = problem;
            return null;
        }

        var bytes = new byte[key.Length * 3];
        var length = WriteName(key, PlainKey, LineProtocolReader.Escapes.Key, bytes);
        var result = bytes.AsSpan(0, length).ToArray();
        Grow(ref cache.FieldText, batch.FieldKeyCount)[fieldId] = result;
        return result;
    }

    private static T[] Grow<T>(ref T[] array, int count)
    {
        if (array.Length < count)
        {
            var grown = new T[Math.Max(count, array.Length * 2)];
            array.CopyTo(grown, 0);
            array = grown;
        }

        return array;
    }

    // ---- what line protocol cannot carry ----

    private static string? SeriesProblem(SeriesKey series)
    {
        var measurement = series.Measurement;
        if (measurement[0] == '#')
        {
            return $"measurement \"{measurement}\" starts with '#', which line protocol reads as a comment";
        }

        if (measurement[0] == '\t')
        {
            return "measurement starts with a tab, which line protocol skips as whitespace";
        }

        var problem = KeyProblem(measurement, "measurement");
        if (problem is not null)
        {
            return problem;
        }

        foreach (var tag in series.Tags)
        {
            problem = KeyProblem(tag.Key, "tag key") ?? KeyProblem(tag.Value, "value of tag", tag.Key);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>Why a name or string cannot be written, or null; <paramref name="tagKey"/> names the tag of a value.</summary>
    private static string? KeyProblem(string text, string what, string? tagKey = null)
    {
        string? problem = null;
        if (text.Contains('\n', StringComparison.Ordinal))
        {
            problem = "contains a line feed, which line protocol cannot carry";
        }
        else if (HasUnpairedSurrogate(text))
        {
            problem = "is not valid UTF-16 (an unpaired surrogate)";
        }

        return problem is null ? null : tagKey is null ? $"{what} {problem}" : $"{what} \"{tagKey}\" {problem}";
    }

    private static bool HasUnpairedSurrogate(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAny(Surrogates);
        if (i < 0)
        {
            return false;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return true;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    private string? ValueProblem(FieldValue value) => value.Kind == FieldKind.String
        ? StringProblem(value.AsString())
        : ValueProblem(value.Kind, value.RawBits);

    private string? ValueProblem(FieldKind kind, long bits, PointBatch batch, int row) => kind == FieldKind.String
        ? StringProblem(batch.GetValue(row).AsString())
        : ValueProblem(kind, bits);

    private static string? ValueProblem(FieldKind kind, long bits)
    {
        if (kind == FieldKind.Double)
        {
            var value = BitConverter.Int64BitsToDouble(bits);
            if (!double.IsFinite(value))
            {
                return string.Create(CultureInfo.InvariantCulture, $"the float {value} cannot be written: line protocol has no NaN or infinity");
            }
        }

        return null;
    }

    private string? StringProblem(string text) => !_escapeLineFeeds
        ? KeyProblem(text, "string value")
        : HasUnpairedSurrogate(text) ? "string value is not valid UTF-16 (an unpaired surrogate)" : null;

    // ---- sizes (upper bounds) ----

    private static int SeriesSize(SeriesKey series)
    {
        var size = series.Measurement.Length * 3;
        foreach (var tag in series.Tags)
        {
            size += 2 + ((tag.Key.Length + tag.Value.Length) * 3);
        }

        return size;
    }

    private static int ValueSize(FieldKind kind, PointBatch batch, int row) =>
        kind == FieldKind.String ? (batch.GetValue(row).AsString().Length * 3) + 2 : MaxNumberLength;

    private static int ValueSize(FieldValue value) =>
        value.Kind == FieldKind.String ? (value.AsString().Length * 3) + 2 : MaxNumberLength;

    // ---- encoding ----

    private static int WriteSeries(SeriesKey series, Span<byte> span)
    {
        var pos = WriteName(series.Measurement, PlainMeasurement, LineProtocolReader.Escapes.Measurement, span);
        foreach (var tag in series.Tags)
        {
            span[pos++] = (byte)',';
            pos += WriteName(tag.Key, PlainKey, LineProtocolReader.Escapes.Key, span[pos..]);
            span[pos++] = (byte)'=';
            pos += WriteName(tag.Value, PlainKey, LineProtocolReader.Escapes.Key, span[pos..]);
        }

        return pos;
    }

    private static int WriteNumber(FieldKind kind, long bits, Span<byte> span)
    {
        int n;
        switch (kind)
        {
            case FieldKind.Double:
                // The default format is the shortest string that parses back to the same bits (what "R" gives since
                // .NET Core 3.0, only faster): 1E+300, -0, 5E-324.
                BitConverter.Int64BitsToDouble(bits).TryFormat(span, out n, default, CultureInfo.InvariantCulture);
                return n;
            case FieldKind.Int64:
                Utf8Formatter.TryFormat(bits, span, out n);
                span[n] = (byte)'i';
                return n + 1;
            case FieldKind.UInt64:
                Utf8Formatter.TryFormat(unchecked((ulong)bits), span, out n);
                span[n] = (byte)'u';
                return n + 1;
            default:
                if (bits != 0)
                {
                    "true"u8.CopyTo(span);
                    return 4;
                }

                "false"u8.CopyTo(span);
                return 5;
        }
    }

    /// <summary>Writes a name escaped; the span holds at least three bytes per character.</summary>
    private static int WriteName(string name, SearchValues<char> plain, LineProtocolReader.Escapes escapes, Span<byte> span)
    {
        var text = name.AsSpan();
        var pos = 0;
        while (!text.IsEmpty)
        {
            var special = text.IndexOfAnyExcept(plain);
            var run = special < 0 ? text : text[..special];
            pos += Encoding.ASCII.GetBytes(run, span[pos..]);
            if (special < 0)
            {
                break;
            }

            text = text[special..];
            var c = text[0];
            if (c >= 0x80)
            {
                var end = text.IndexOfAny(Ascii);
                var wide = end < 0 ? text : text[..end];
                Utf8.FromUtf16(wide, span[pos..], out _, out var n, replaceInvalidSequences: true);
                pos += n;
                text = text[wide.Length..];
                continue;
            }

            if (c == '\\')
            {
                // Doubled only where it would otherwise escape what follows (or at the end, before a delimiter).
                span[pos++] = (byte)'\\';
                if (text.Length == 1 || (text[1] < 0x80 && LineProtocolReader.IsEscapable((byte)text[1], escapes)))
                {
                    span[pos++] = (byte)'\\';
                }
            }
            else if (LineProtocolReader.IsEscapable((byte)c, escapes))
            {
                span[pos++] = (byte)'\\';
                span[pos++] = (byte)c;
            }
            else
            {
                span[pos++] = (byte)c;
            }

            text = text[1..];
        }

        return pos;
    }

    /// <summary>
    /// Writes a quoted string value; the span holds at least three bytes per character plus two. A line feed is
    /// written as <c>\n</c> when <paramref name="escapeLineFeeds"/> (values with one are rejected before otherwise).
    /// </summary>
    private static int WriteString(string value, bool escapeLineFeeds, Span<byte> span)
    {
        span[0] = (byte)'"';
        var pos = 1;
        var text = value.AsSpan();
        while (!text.IsEmpty)
        {
            var special = text.IndexOfAnyExcept(PlainString);
            var run = special < 0 ? text : text[..special];
            pos += Encoding.ASCII.GetBytes(run, span[pos..]);
            if (special < 0)
            {
                break;
            }

            text = text[special..];
            var c = text[0];
            if (c >= 0x80)
            {
                var end = text.IndexOfAny(Ascii);
                var wide = end < 0 ? text : text[..end];
                Utf8.FromUtf16(wide, span[pos..], out _, out var n, replaceInvalidSequences: true);
                pos += n;
                text = text[wide.Length..];
                continue;
            }

            span[pos++] = (byte)'\\';
            span[pos++] = escapeLineFeeds && c == '\n' ? (byte)'n' : (byte)c;
            text = text[1..];
        }

        span[pos++] = (byte)'"';
        return pos;
    }

    private static string Range(char first, char last)
    {
        var chars = new char[last - first + 1];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(first + i);
        }

        return new string(chars);
    }

    private static string PlainAscii(string excluded)
    {
        var chars = new List<char>(128);
        for (var c = '\0'; c < 0x80; c++)
        {
            if (!excluded.Contains(c, StringComparison.Ordinal))
            {
                chars.Add(c);
            }
        }

        return new string([.. chars]);
    }
}
