using System.Security.Cryptography;
using System.Text.Json;
using Cohort.Encryption;

namespace Cohort.StudyServer.Tests;

/// <summary>Durability: what was accepted before a stop is processed after the next start, with the same keys.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task An_upload_left_in_incoming_is_processed_at_the_next_start_with_the_same_keys()
    {
        string root = Directory.CreateTempSubdirectory("cohort-study-restart-").FullName;
        JsonElement registration;
        string publicKey;
        await using (StudyServerHost first = new(root))
        {
            await first.InitializeAsync();
            registration = await first.RegisterAsync("participant-ivan");
            publicKey = registration.GetProperty("publicKey").GetString()!;
        }

        // As if the server had stopped right after answering 202: the raw upload waits in incoming/.
        string participant = registration.GetProperty("participant").GetString()!;
        using RSA key = RsaKeys.FromBeiweRegistrationKey(publicKey);
        string incoming = Path.Combine(root, "data", "incoming", participant);
        Directory.CreateDirectory(incoming);
        const string UploadId = "20240301T120000000-0badf00d";
        await File.WriteAllBytesAsync(Path.Combine(incoming, UploadId + ".beiwe"), new BeiweEncryptor(key).Encrypt(["a,b", "1,2"]));
        await File.WriteAllBytesAsync(Path.Combine(incoming, "20240301T120000001-00000000.partial"), [1, 2, 3]);

        await using StudyServerHost second = new(root);
        await second.InitializeAsync();
        Assert.Equal(publicKey, (await second.RegisterAsync("participant-ivan")).GetProperty("publicKey").GetString());
        string token = (await second.RegisterAsync("participant-ivan")).GetProperty("uploadToken").GetString()!;

        JsonElement status = await second.WaitForUploadAsync($"/participants/participant-ivan/uploads/{UploadId}", token);
        Assert.Equal("stored", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("lines").GetInt64());
        Assert.Empty(Directory.GetFiles(incoming));
    }
}
