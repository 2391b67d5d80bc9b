using System.Text.Json;

namespace Cohort.Encryption.Tests;

public class HashingTests
{
    private static readonly JsonDocument Vectors = JsonDocument.Parse(TestKeys.VectorText("hashing.json"));

    [Fact]
    public void Pbkdf2_hashes_match_python_cryptography()
    {
        foreach (JsonElement v in Vectors.RootElement.GetProperty("pbkdf2").EnumerateArray())
        {
            BeiweIdentifierHasher hasher = new(Convert.FromBase64String(v.GetProperty("salt").GetString()!), v.GetProperty("iterations").GetInt32());
            string hash = hasher.Hash(v.GetProperty("identifier").GetString()!);

            Assert.Equal(v.GetProperty("hash").GetString(), hash);
            Assert.Equal(BeiweIdentifierHasher.HashLength, hash.Length);
        }
    }

    [Fact]
    public void Sha256_hashes_match_python_hashlib_and_are_44_characters()
    {
        foreach (JsonElement v in Vectors.RootElement.GetProperty("sha256").EnumerateArray())
        {
            string hash = BeiweIdentifierHasher.Sha256(v.GetProperty("identifier").GetString()!);
            Assert.Equal(v.GetProperty("hash").GetString(), hash);
            Assert.Equal(44, hash.Length);
        }
    }

    [Fact]
    public void Empty_identifier_hashes_to_null_data_in_non_anonymised_mode()
    {
        Assert.Equal("null_data", BeiweIdentifierHasher.Sha256(string.Empty));
    }

    [Theory]
    [InlineData("+1 (555) 123-4567", "5551234567")]
    [InlineData("001-44-20-7946-0958", "2079460958")]
    [InlineData("12345", "12345")]
    [InlineData("no digits", "")]
    public void Phone_numbers_keep_the_last_ten_digits(string raw, string normalised)
    {
        Assert.Equal(normalised, BeiweIdentifierHasher.NormalizePhoneNumber(raw));
    }

    [Fact]
    public void Phone_number_hash_equals_hash_of_normalised_number()
    {
        BeiweIdentifierHasher hasher = new("salt"u8, 1000);
        Assert.Equal(hasher.Hash("5551234567"), hasher.HashPhoneNumber("+1 (555) 123-4567"));
    }

    [Fact]
    public void Keyed_pseudonyms_match_python_hmac()
    {
        KeyedPseudonymizer pseudonymizer = new(Convert.FromBase64String(Vectors.RootElement.GetProperty("keyedPepper").GetString()!));
        foreach (JsonElement v in Vectors.RootElement.GetProperty("keyed").EnumerateArray())
        {
            Assert.Equal(v.GetProperty("pseudonym").GetString(), pseudonymizer.Pseudonymize(v.GetProperty("identifier").GetString()!, v.GetProperty("context").GetString()!));
        }
    }

    [Fact]
    public async Task Keyed_pseudonyms_are_the_same_from_every_instance_with_the_same_pepper_and_differ_by_context()
    {
        InMemoryKeyProvider keys = new();
        keys.AddSecretKey(new SecretKey("pepper", 1, new byte[32]));
        KeyedPseudonymizer a = await KeyedPseudonymizer.CreateAsync(keys, "pepper");
        KeyedPseudonymizer b = await KeyedPseudonymizer.CreateAsync(keys, "pepper");

        Assert.Equal(a.Pseudonymize("participant-1", "study"), b.Pseudonymize("participant-1", "study"));
        Assert.NotEqual(a.Pseudonymize("participant-1", "study"), a.Pseudonymize("participant-1", "other"));
        Assert.Equal(43, a.Pseudonymize("x").Length);
    }

    [Fact]
    public void Pepper_shorter_than_32_bytes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new KeyedPseudonymizer(new byte[16]));
    }
}
