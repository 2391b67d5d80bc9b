using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cohort.Encryption;

namespace Cohort.StudyServer.Tests;

/// <summary>Registration and uploads as a phone does them, over real HTTP.</summary>
public sealed class UploadTests(StudyServerHost server) : IClassFixture<StudyServerHost>
{
    private static readonly string[] Rows = ["timestamp,x,y,z", "1700000000000,0.01,9.81,0.02", "1700000000020,0.03,9.79,0.01"];

    [Fact]
    public async Task Registration_returns_the_study_public_key_as_base64_DER_SPKI_and_stores_only_the_pseudonym()
    {
        JsonElement registration = await server.RegisterAsync("participant-alice");

        using RSA studyKey = RsaKeys.ImportPem(await File.ReadAllTextAsync(Path.Combine(server.KeyDirectory, "study.pem")));
        Assert.Equal(RsaKeys.ToBeiweRegistrationKey(studyKey), registration.GetProperty("publicKey").GetString());
        Assert.Equal(Convert.ToBase64String(studyKey.ExportSubjectPublicKeyInfo()), registration.GetProperty("publicKey").GetString());

        string salt = (await File.ReadAllTextAsync(Path.Combine(server.KeyDirectory, "study-salt.v1.key"))).Trim();
        string expected = new BeiweIdentifierHasher(Convert.FromBase64String(salt), 1000).Hash("participant-alice");
        Assert.Equal(expected, registration.GetProperty("participant").GetString());
        Assert.Equal(88, expected.Length);

        string[] stored = Directory.GetFiles(Path.Combine(server.DataDirectory, "participants"));
        Assert.Contains(stored, f => Path.GetFileName(f) == expected + ".json");
        Assert.DoesNotContain(stored, f => f.Contains("alice", StringComparison.Ordinal) || File.ReadAllText(f).Contains("alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Registration_without_a_participant_id_is_a_400_naming_the_field()
    {
        using HttpResponseMessage response = await server.Client.PostAsJsonAsync("/participants", new { phoneNumber = "555" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("participantId", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Beiwe_upload_is_accepted_then_decrypted_and_stored_encrypted_at_rest()
    {
        JsonElement registration = await server.RegisterAsync("participant-bob");
        using RSA phoneKey = RsaKeys.FromBeiweRegistrationKey(registration.GetProperty("publicKey").GetString()!);
        byte[] upload = new BeiweEncryptor(phoneKey).Encrypt(Rows);

        JsonElement status = await UploadAndWaitAsync("participant-bob", registration, upload, "stored");

        Assert.Equal("beiwe", status.GetProperty("format").GetString());
        Assert.Equal(Rows.Length, status.GetProperty("lines").GetInt64());
        Assert.Empty(status.GetProperty("lineErrors").EnumerateArray());
        await AssertStoredAtRestAsync(registration, status, string.Join('\n', Rows));
    }

    [Fact]
    public async Task Cohort_envelope_upload_is_detected_decrypted_and_stored_encrypted_at_rest()
    {
        JsonElement registration = await server.RegisterAsync("participant-carol");
        using RSA phoneKey = RsaKeys.FromBeiweRegistrationKey(registration.GetProperty("publicKey").GetString()!);
        string plaintext = string.Join('\n', Rows) + "\n";
        byte[] upload = await EnvelopeEncryptor.ForRsa(phoneKey, registration.GetProperty("keyId").GetString()!).EncryptToArrayAsync(Encoding.UTF8.GetBytes(plaintext));

        JsonElement status = await UploadAndWaitAsync("participant-carol", registration, upload, "stored");

        Assert.Equal("envelope", status.GetProperty("format").GetString());
        await AssertStoredAtRestAsync(registration, status, plaintext);
    }

    [Fact]
    public async Task Bad_lines_are_reported_and_the_good_lines_kept()
    {
        JsonElement registration = await server.RegisterAsync("participant-dave");
        using RSA phoneKey = RsaKeys.FromBeiweRegistrationKey(registration.GetProperty("publicKey").GetString()!);
        byte[] good = new BeiweEncryptor(phoneKey).Encrypt(Rows);
        byte[] upload = [.. good, .. "\nnot-a-line-without-colon\n"u8];
        int badLine = good.Count(static b => b == (byte)'\n') + 2;   // physical lines, empty ones counted

        JsonElement status = await UploadAndWaitAsync("participant-dave", registration, upload, "stored");

        Assert.Equal(Rows.Length, status.GetProperty("lines").GetInt64());
        Assert.Equal($"line {badLine}: MALFORMED_LINE", Assert.Single(status.GetProperty("lineErrors").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task An_empty_upload_is_dropped_as_Beiwe_drops_it()
    {
        JsonElement registration = await server.RegisterAsync("participant-judy");

        JsonElement status = await UploadAndWaitAsync("participant-judy", registration, [], "empty");

        string participant = registration.GetProperty("participant").GetString()!;
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "problems", participant)));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "incoming", participant)));
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "data", participant, status.GetProperty("uploadId").GetString() + ".cohort")));
    }

    [Fact]
    public async Task A_file_for_another_key_goes_to_problems_with_its_reason()
    {
        JsonElement registration = await server.RegisterAsync("participant-erin");
        using RSA otherKey = RsaKeys.Generate();
        byte[] upload = new BeiweEncryptor(otherKey).Encrypt(Rows);

        JsonElement status = await UploadAndWaitAsync("participant-erin", registration, upload, "failed");

        Assert.StartsWith("WrongKey", status.GetProperty("reason").GetString(), StringComparison.Ordinal);
        string participant = registration.GetProperty("participant").GetString()!;
        string uploadId = status.GetProperty("uploadId").GetString()!;
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(server.DataDirectory, "problems", participant, uploadId + ".beiwe")));
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "incoming", participant, uploadId + ".beiwe")));
    }

    [Fact]
    public async Task Uploads_need_the_participants_own_token()
    {
        JsonElement frank = await server.RegisterAsync("participant-frank");
        JsonElement grace = await server.RegisterAsync("participant-grace");

        using HttpResponseMessage none = await server.Client.SendAsync(StudyServerHost.Request(HttpMethod.Post, "/participants/participant-frank/uploads", null, new ByteArrayContent([1, 2, 3])));
        using HttpResponseMessage other = await server.Client.SendAsync(StudyServerHost.Request(HttpMethod.Post, "/participants/participant-frank/uploads", grace.GetProperty("uploadToken").GetString(), new ByteArrayContent([1, 2, 3])));
        using HttpResponseMessage unknown = await server.Client.SendAsync(StudyServerHost.Request(HttpMethod.Post, "/participants/nobody/uploads", frank.GetProperty("uploadToken").GetString(), new ByteArrayContent([1, 2, 3])));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }

    [Fact]
    public async Task An_unknown_format_parameter_is_a_400_naming_the_field()
    {
        JsonElement registration = await server.RegisterAsync("participant-heidi");
        using HttpResponseMessage response = await server.Client.SendAsync(StudyServerHost.Request(
            HttpMethod.Post, "/participants/participant-heidi/uploads?format=zip", registration.GetProperty("uploadToken").GetString(), new ByteArrayContent([1])));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("format", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    private async Task<JsonElement> UploadAndWaitAsync(string participantId, JsonElement registration, byte[] upload, string expectedStatus)
    {
        string token = registration.GetProperty("uploadToken").GetString()!;
        using HttpResponseMessage accepted = await server.Client.SendAsync(StudyServerHost.Request(HttpMethod.Post, $"/participants/{participantId}/uploads", token, new ByteArrayContent(upload)));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("pending", (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Uri location = accepted.Headers.Location!;

        JsonElement status = await server.WaitForUploadAsync(location.ToString(), token);
        Assert.Equal(expectedStatus, status.GetProperty("status").GetString());
        return status;
    }

    private async Task AssertStoredAtRestAsync(JsonElement registration, JsonElement status, string plaintext)
    {
        string participant = registration.GetProperty("participant").GetString()!;
        string uploadId = status.GetProperty("uploadId").GetString()!;
        byte[] atRest = await File.ReadAllBytesAsync(Path.Combine(server.DataDirectory, "data", participant, uploadId + ".cohort"));
        Assert.Equal(-1, atRest.AsSpan().IndexOf("9.81"u8));
        Assert.Equal(-1, atRest.AsSpan().IndexOf("timestamp"u8));
        Assert.Equal("study-master v1", status.GetProperty("atRestKey").GetString());
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "incoming", participant)));

        using PemFileKeyProvider keys = new(server.KeyDirectory);
        using MemoryStream decrypted = new();
        await new AtRestProtector(keys).UnprotectAsync(new MemoryStream(atRest), decrypted);
        Assert.Equal(plaintext, Encoding.UTF8.GetString(decrypted.ToArray()));
    }
}
