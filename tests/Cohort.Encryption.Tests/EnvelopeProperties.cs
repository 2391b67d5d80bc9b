using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cohort.Encryption.Tests;

public class EnvelopeProperties
{
    private static readonly EnvelopeDecryptor Decryptor = new(EnvelopeTests.Keys);
    private static readonly EnvelopeEncryptor SmallChunks = EnvelopeEncryptor.ForP256(TestKeys.P256, "study-ec", new EnvelopeOptions { ChunkSize = 1024 });
    private static readonly byte[] Sample = CreateSample();

    [Property(MaxTest = 60)]
    public bool Encrypt_then_decrypt_is_the_identity_for_any_content_and_chunk_size(byte[] content, byte exponent, int repeat)
    {
        byte[] plaintext = [.. Enumerable.Repeat(content, 1 + (Math.Abs(repeat % 40))).SelectMany(c => c)];
        EnvelopeOptions options = new() { ChunkSize = 1 << (10 + (exponent % 4)) };
        byte[] envelope = EnvelopeEncryptor.ForP256(TestKeys.P256, "study-ec", options).EncryptToArrayAsync(plaintext).GetAwaiter().GetResult();
        return Decryptor.DecryptToArrayAsync(envelope).GetAwaiter().GetResult().AsSpan().SequenceEqual(plaintext);
    }

    [Property(MaxTest = 200)]
    public bool Any_single_bit_flip_is_rejected(PositiveInt position)
    {
        byte[] envelope = (byte[])Sample.Clone();
        int bit = position.Get % (envelope.Length * 8);
        envelope[bit / 8] ^= (byte)(1 << (bit % 8));
        return Rejects(envelope);
    }

    [Property(MaxTest = 100)]
    public bool Any_truncation_is_rejected(PositiveInt length)
    {
        return Rejects(Sample[..(length.Get % Sample.Length)]);
    }

    [Property(MaxTest = 50)]
    public bool Any_appended_bytes_are_rejected(NonEmptyArray<byte> extra)
    {
        return Rejects([.. Sample, .. extra.Get]);
    }

    [Property(MaxTest = 200)]
    public bool Arbitrary_bytes_give_only_documented_errors(byte[] data, bool withMagic)
    {
        byte[] input = withMagic ? [.. "CHEV\u0001\u0001\u000a\u0000"u8, .. data] : data;
        try
        {
            Decryptor.DecryptToArrayAsync(input).GetAwaiter().GetResult();
            return false;
        }
        catch (DecryptionException)
        {
            return true;
        }
    }

    private static bool Rejects(byte[] envelope)
    {
        try
        {
            Decryptor.DecryptToArrayAsync(envelope).GetAwaiter().GetResult();
            return false;
        }
        catch (DecryptionException)
        {
            return true;
        }
    }

    private static byte[] CreateSample()
    {
        byte[] plaintext = new byte[2500];
        new Random(11).NextBytes(plaintext);
        return SmallChunks.EncryptToArrayAsync(plaintext).GetAwaiter().GetResult();
    }
}
