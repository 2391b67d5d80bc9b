namespace Cohort.Encryption;

/// <summary>
/// A whole file, envelope or object could not be decrypted. <see cref="Reason"/> says why, so that a caller can
/// tell a wrong key from a damaged file. Bad lines inside a Beiwe file are not exceptions: they are reported in
/// <see cref="BeiweDecryptionReport"/>.
/// </summary>
public sealed class DecryptionException : CohortCryptographyException
{
    /// <summary>Creates the exception.</summary>
    public DecryptionException()
        : this(DecryptionFailure.Unknown, "Decryption failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DecryptionException(string message)
        : this(DecryptionFailure.Unknown, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DecryptionException(string message, Exception? innerException)
        : this(DecryptionFailure.Unknown, message, innerException)
    {
    }

    /// <summary>Creates the exception with its reason, a message and an optional cause.</summary>
    public DecryptionException(DecryptionFailure reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why decryption failed.</summary>
    public DecryptionFailure Reason { get; }
}

/// <summary>Why a whole file, envelope or object could not be decrypted.</summary>
public enum DecryptionFailure
{
    /// <summary>No more specific reason is known.</summary>
    Unknown = 0,

    /// <summary>The file is empty or holds only NUL bytes (Beiwe: such uploads are dropped).</summary>
    EmptyFile,

    /// <summary>The Beiwe key line has characters outside the url-safe base64 alphabet, or is not base64.</summary>
    InvalidKeyLineCharacters,

    /// <summary>The Beiwe key line does not decrypt to a 16-byte AES key: the file was encrypted for another RSA key.</summary>
    WrongKey,

    /// <summary>The key the data names is not held by any key provider.</summary>
    UnknownKey,

    /// <summary>The envelope header is malformed or names an unsupported version or algorithm.</summary>
    InvalidHeader,

    /// <summary>The wrapped data key could not be unwrapped (wrong key, or the header was altered).</summary>
    KeyUnwrapFailed,

    /// <summary>A chunk failed authentication: the data was altered, reordered or encrypted with another key.</summary>
    ChunkAuthenticationFailed,

    /// <summary>The data ends early: a chunk or the final chunk is missing.</summary>
    Truncated,

    /// <summary>The CMS message could not be decoded or decrypted.</summary>
    InvalidCmsMessage,

    /// <summary>The decrypted content could not be decompressed.</summary>
    DecompressionFailed,
}
