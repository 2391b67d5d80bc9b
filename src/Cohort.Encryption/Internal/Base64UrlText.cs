using System.Buffers;
using System.Buffers.Text;

namespace Cohort.Encryption.Internal;

/// <summary>
/// Strict-alphabet, padding-tolerant url-safe base64 (RFC 4648 §5) as Beiwe's server accepts it: characters
/// <c>A-Z a-z 0-9 - _</c>, then zero, one or two <c>=</c>. No whitespace, no <c>+</c> or <c>/</c>.
/// </summary>
internal static class Base64UrlText
{
    private static readonly SearchValues<byte> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8);

    private static readonly SearchValues<byte> KeyLineAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="u8);

    /// <summary>The number of bytes <paramref name="text"/> decodes to, or -1 when it is not valid base64url.</summary>
    public static int DecodedLength(ReadOnlySpan<byte> text)
    {
        int length = text.Length;
        int padding = 0;
        while (padding < 2 && length > 0 && text[length - 1] == (byte)'=')
        {
            length--;
            padding++;
        }

        int remainder = length % 4;
        if (remainder == 1 || (padding > 0 && (remainder + padding) % 4 != 0))
        {
            return -1;
        }

        if (text[..length].IndexOfAnyExcept(Alphabet) >= 0)
        {
            return -1;
        }

        return (length / 4 * 3) + (remainder == 0 ? 0 : remainder - 1);
    }

    /// <summary>Decodes text already checked by <see cref="DecodedLength"/> into a destination of exactly that length.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        int length = text.Length;
        while (length > 0 && text[length - 1] == (byte)'=')
        {
            length--;
        }

        OperationStatus status = Base64Url.DecodeFromUtf8(text[..length], destination, out _, out int written);
        return status == OperationStatus.Done && written == destination.Length;
    }

    /// <summary>Whether every byte is in the url-safe alphabet or is <c>=</c> (Beiwe's key-line character check).</summary>
    public static bool HasOnlyKeyLineCharacters(ReadOnlySpan<byte> text) =>
        text.IndexOfAnyExcept(KeyLineAlphabet) < 0;

    /// <summary>Encodes as url-safe base64, with or without <c>=</c> padding.</summary>
    public static string Encode(ReadOnlySpan<byte> data, bool padded)
    {
        string text = Base64Url.EncodeToString(data);
        int pad = (3 - (data.Length % 3)) % 3;
        return padded && pad > 0 ? text + new string('=', pad) : text;
    }
}
