namespace Cohort.Encryption;

#pragma warning disable CA1707 // The member names are wire codes that tools print and match; ToString() must give them exactly.

/// <summary>Why a data line of a Beiwe upload was dropped. The names are stable codes (the CLI prints them).</summary>
public enum BeiweLineErrorCode
{
    /// <summary>The line does not hold exactly one <c>:</c> (typically a write interrupted on the phone).</summary>
    MALFORMED_LINE,

    /// <summary>The IV or the ciphertext is not url-safe base64 (a character outside the alphabet, or a bad length or padding).</summary>
    BAD_BASE64,

    /// <summary>The ciphertext is empty, or shorter than one 16-byte block.</summary>
    EMPTY_CIPHERTEXT,

    /// <summary>Nothing precedes the <c>:</c>.</summary>
    IV_MISSING,

    /// <summary>The IV does not decode to 16 bytes.</summary>
    IV_BAD_LENGTH,

    /// <summary>The last plaintext byte is 0 or above 16, so no PKCS#7 padding can be removed (wrong key or damaged line).</summary>
    BAD_PADDING,
}

/// <summary>What was repaired, as Beiwe's server silently does, to keep a Beiwe data line.</summary>
public enum BeiweRepairCode
{
    /// <summary>The ciphertext length was not a multiple of 16: the trailing bytes were dropped before decryption.</summary>
    TRUNCATED_CIPHERTEXT,

    /// <summary>The padding length byte was valid but the other padding bytes did not all equal it; it was removed anyway.</summary>
    UNCHECKED_PADDING,
}

#pragma warning restore CA1707

/// <summary>A dropped line of a Beiwe upload.</summary>
/// <param name="LineNumber">The 1-based physical line number in the file (the key line is usually line 1).</param>
/// <param name="Code">Why the line was dropped.</param>
public readonly record struct BeiweLineError(long LineNumber, BeiweLineErrorCode Code);

/// <summary>A Beiwe data line that was kept after a repair.</summary>
/// <param name="LineNumber">The 1-based physical line number in the file.</param>
/// <param name="Code">What was repaired.</param>
public readonly record struct BeiweLineRepair(long LineNumber, BeiweRepairCode Code);

/// <summary>What decrypting one Beiwe upload found: how many lines were kept, and every dropped or repaired line.</summary>
/// <param name="LinesDecrypted">The number of data lines decrypted and written (repaired lines included).</param>
/// <param name="PlaintextBytes">The number of plaintext bytes written, separators included.</param>
/// <param name="Errors">Every dropped line, in file order.</param>
/// <param name="Repairs">Every repaired (and kept) line, in file order.</param>
public sealed record BeiweDecryptionReport(
    long LinesDecrypted,
    long PlaintextBytes,
    IReadOnlyList<BeiweLineError> Errors,
    IReadOnlyList<BeiweLineRepair> Repairs);

/// <summary>A Beiwe upload decrypted in memory.</summary>
/// <param name="Plaintext">The decrypted lines joined by <c>\n</c> (no trailing newline), as Beiwe's server joins them.</param>
/// <param name="Report">The lines dropped and repaired.</param>
public sealed record BeiweDecryptionResult(ReadOnlyMemory<byte> Plaintext, BeiweDecryptionReport Report);
