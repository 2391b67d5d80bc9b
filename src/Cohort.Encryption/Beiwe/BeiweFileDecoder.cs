using System.Buffers;
using System.Security.Cryptography;
using Cohort.Encryption.Internal;

namespace Cohort.Encryption.Beiwe;

/// <summary>
/// The line-by-line state of one Beiwe upload: the key line first, then data lines. Not thread-safe; one per file.
/// </summary>
internal sealed class BeiweFileDecoder : IDisposable
{
    private const int AesKeyLength = 16;
    private const int BlockSize = 16;

    private readonly RawRsaKey _rsa;
    private readonly List<BeiweLineError> _errors = [];
    private readonly List<BeiweLineRepair> _repairs = [];
    private AesCbcDecryptor? _cbc;
    private byte[] _scratch = ArrayPool<byte>.Shared.Rent(4096);
    private long _lineNumber;
    private bool _nulKeyLine;
    private long _linesDecrypted;
    private long _plaintextBytes;

    public BeiweFileDecoder(RawRsaKey rsa) => _rsa = rsa;

    /// <summary>Decodes one physical line (without its <c>\n</c>), writing its plaintext (preceded by <c>\n</c> after the first) to <paramref name="output"/>.</summary>
    public void ProcessLine(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        _lineNumber++;
        if (line.IsEmpty)
        {
            return;
        }

        if (_nulKeyLine)
        {
            if (line.IndexOfAnyExcept((byte)0) >= 0)
            {
                throw new DecryptionException(DecryptionFailure.InvalidKeyLineCharacters, "The key line holds characters outside the url-safe base64 alphabet.");
            }

            return;
        }

        if (_cbc is null)
        {
            ProcessKeyLine(line);
            return;
        }

        ProcessDataLine(line, output);
    }

    /// <summary>Counts a line too long to buffer: a malformed data line, or a key line that cannot be valid.</summary>
    public void ReportOversizedLine()
    {
        _lineNumber++;
        if (_cbc is null)
        {
            throw new DecryptionException(DecryptionFailure.InvalidKeyLineCharacters, "The key line is far longer than any RSA key line.");
        }

        Fail(BeiweLineErrorCode.MALFORMED_LINE);
    }

    /// <summary>Ends the file: the report, or the whole-file error when no key line was found.</summary>
    public BeiweDecryptionReport Complete()
    {
        if (_cbc is null || _nulKeyLine)
        {
            throw new DecryptionException(DecryptionFailure.EmptyFile, "The upload is empty or holds only NUL bytes.");
        }

        return new BeiweDecryptionReport(_linesDecrypted, _plaintextBytes, _errors.ToArray(), _repairs.ToArray());
    }

    public void Dispose()
    {
        _cbc?.Dispose();
        ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = [];
    }

    private void ProcessKeyLine(ReadOnlySpan<byte> line)
    {
        if (line.IndexOfAnyExcept((byte)0) < 0)
        {
            _nulKeyLine = true;
            return;
        }

        if (!Base64UrlText.HasOnlyKeyLineCharacters(line))
        {
            throw new DecryptionException(DecryptionFailure.InvalidKeyLineCharacters, "The key line holds characters outside the url-safe base64 alphabet.");
        }

        int length = Base64UrlText.DecodedLength(line);
        if (length < 0)
        {
            throw new DecryptionException(DecryptionFailure.InvalidKeyLineCharacters, "The key line is not valid url-safe base64.");
        }

        if (length == 0 || length > _rsa.ModulusLength)
        {
            throw WrongKey();
        }

        byte[] ciphertext = new byte[length];
        Base64UrlText.TryDecode(line, ciphertext);
        byte[]? decrypted = _rsa.Decrypt(ciphertext);
        if (decrypted is null)
        {
            throw WrongKey();
        }

        try
        {
            ReadOnlySpan<byte> inner = decrypted.AsSpan().TrimStart((byte)0);
            if (Base64UrlText.DecodedLength(inner) != AesKeyLength)
            {
                throw WrongKey();
            }

            Span<byte> aesKey = stackalloc byte[AesKeyLength];
            Base64UrlText.TryDecode(inner, aesKey);
            _cbc = new AesCbcDecryptor(aesKey);
            CryptographicOperations.ZeroMemory(aesKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decrypted);
        }
    }

    private static DecryptionException WrongKey() =>
        new(DecryptionFailure.WrongKey, "The key line does not decrypt to a 16-byte AES key: the upload was encrypted for another RSA key.");

    private void ProcessDataLine(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        int colon = line.IndexOf((byte)':');
        if (colon < 0 || line[(colon + 1)..].Contains((byte)':'))
        {
            Fail(BeiweLineErrorCode.MALFORMED_LINE);
            return;
        }

        ReadOnlySpan<byte> ivText = line[..colon];
        ReadOnlySpan<byte> cipherText = line[(colon + 1)..];
        if (ivText.IsEmpty)
        {
            Fail(BeiweLineErrorCode.IV_MISSING);
            return;
        }

        if (cipherText.IsEmpty)
        {
            Fail(BeiweLineErrorCode.EMPTY_CIPHERTEXT);
            return;
        }

        int ivLength = Base64UrlText.DecodedLength(ivText);
        if (ivLength < 0)
        {
            Fail(BeiweLineErrorCode.BAD_BASE64);
            return;
        }

        if (ivLength != BlockSize)
        {
            Fail(BeiweLineErrorCode.IV_BAD_LENGTH);
            return;
        }

        int cipherLength = Base64UrlText.DecodedLength(cipherText);
        if (cipherLength < 0)
        {
            Fail(BeiweLineErrorCode.BAD_BASE64);
            return;
        }

        Span<byte> iv = stackalloc byte[BlockSize];
        if (!Base64UrlText.TryDecode(ivText, iv))
        {
            Fail(BeiweLineErrorCode.BAD_BASE64);
            return;
        }

        if (_scratch.Length < cipherLength)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(cipherLength);
        }

        Span<byte> cipher = _scratch.AsSpan(0, cipherLength);
        if (!Base64UrlText.TryDecode(cipherText, cipher))
        {
            Fail(BeiweLineErrorCode.BAD_BASE64);
            return;
        }

        int usable = cipherLength - (cipherLength % BlockSize);
        if (usable == 0)
        {
            Fail(BeiweLineErrorCode.EMPTY_CIPHERTEXT);
            return;
        }

        bool first = _linesDecrypted == 0;
        Span<byte> destination = output.GetSpan(usable + 1);
        Span<byte> plain = destination.Slice(1, usable);
        _cbc!.Decrypt(cipher[..usable], iv, plain);
        int pad = plain[^1];
        if (pad == 0 || pad > BlockSize)
        {
            Fail(BeiweLineErrorCode.BAD_PADDING);
            return;
        }

        if (usable != cipherLength)
        {
            _repairs.Add(new BeiweLineRepair(_lineNumber, BeiweRepairCode.TRUNCATED_CIPHERTEXT));
        }

        if (plain[^pad..].IndexOfAnyExcept((byte)pad) >= 0)
        {
            _repairs.Add(new BeiweLineRepair(_lineNumber, BeiweRepairCode.UNCHECKED_PADDING));
        }

        int length = usable - pad;
        int written;
        if (first)
        {
            plain[..length].CopyTo(destination);
            written = length;
        }
        else
        {
            destination[0] = (byte)'\n';
            written = length + 1;
        }

        output.Advance(written);
        _linesDecrypted++;
        _plaintextBytes += written;
    }

    private void Fail(BeiweLineErrorCode code) => _errors.Add(new BeiweLineError(_lineNumber, code));
}
