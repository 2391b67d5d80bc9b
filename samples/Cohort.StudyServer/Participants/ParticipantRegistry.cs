using System.Security.Cryptography;
using System.Text.Json;
using Cohort.Encryption;
using Microsoft.Extensions.Options;

namespace Cohort.StudyServer.Participants;

/// <summary>What a phone receives when it registers.</summary>
/// <param name="Participant">The participant's pseudonym (Beiwe PBKDF2 hash of the identifier): the only form stored.</param>
/// <param name="PublicKey">The study's RSA public key, standard base64 of the DER SubjectPublicKeyInfo (Beiwe's format).</param>
/// <param name="KeyId">The key id to name in Cohort envelopes.</param>
/// <param name="UploadToken">The secret the phone presents as a bearer token on uploads (only its hash is stored).</param>
public sealed record Registration(string Participant, string PublicKey, string KeyId, string UploadToken);

/// <summary>
/// Registered participants, stored by pseudonym only: <c>participants/&lt;pseudonym&gt;.json</c> holds the registration
/// time, the SHA-256 of the upload token and the hashed phone number, never the identifier itself.
/// </summary>
internal sealed class ParticipantRegistry(IOptions<StudyServerOptions> options, CompositeKeyProvider keys, TimeProvider time)
{
    private readonly StudyServerOptions _options = options.Value;
    private BeiweIdentifierHasher? _hasher;

    private string Folder => Path.Combine(_options.DataDirectory, "participants");

    public async ValueTask<Registration> RegisterAsync(string participantId, string? phoneNumber, CancellationToken cancellationToken = default)
    {
        BeiweIdentifierHasher hasher = await HasherAsync(cancellationToken).ConfigureAwait(false);
        string pseudonym = hasher.Hash(participantId);
        string token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        ParticipantRecord record = new(time.GetUtcNow(), BearerToken.Hash(token), phoneNumber is null ? null : hasher.HashPhoneNumber(phoneNumber));
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, pseudonym + ".json");
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(record), cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);   // re-registration (a new phone) replaces the token

        using RSA key = await TransportKeyAsync(cancellationToken).ConfigureAwait(false);
        return new Registration(pseudonym, RsaKeys.ToBeiweRegistrationKey(key), _options.StudyId, token);
    }

    /// <summary>The participant's pseudonym when the token is theirs; otherwise <see langword="null"/>.</summary>
    public async ValueTask<string?> AuthenticateAsync(string participantId, string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        string pseudonym = (await HasherAsync(cancellationToken).ConfigureAwait(false)).Hash(participantId);
        string path = Path.Combine(Folder, pseudonym + ".json");
        if (!File.Exists(path))
        {
            return null;
        }

        ParticipantRecord? record = JsonSerializer.Deserialize<ParticipantRecord>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        return record is not null && BearerToken.HashEquals(record.TokenSha256, token) ? pseudonym : null;
    }

    private async ValueTask<RSA> TransportKeyAsync(CancellationToken cancellationToken)
    {
        // The provider owns the private key; a copy of the public half is all registration needs.
        AsymmetricAlgorithm? key = await keys.GetPrivateKeyAsync(_options.StudyId, cancellationToken).ConfigureAwait(false);
        if (key is not RSA rsa)
        {
            throw new InvalidOperationException($"The study key '{_options.StudyId}' is missing or is not an RSA key.");
        }

        RSA copy = RSA.Create();
        copy.ImportParameters(rsa.ExportParameters(includePrivateParameters: false));
        return copy;
    }

    private async ValueTask<BeiweIdentifierHasher> HasherAsync(CancellationToken cancellationToken)
    {
        if (_hasher is { } ready)
        {
            return ready;
        }

        SecretKey salt = await keys.GetSecretKeyAsync(_options.SaltKeyId, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The identifier salt '{_options.SaltKeyId}' is missing.");
        BeiweIdentifierHasher hasher = new(salt.Material, _options.IdentifierIterations);
        return Interlocked.CompareExchange(ref _hasher, hasher, null) ?? hasher;   // a race builds two equal hashers
    }

    private sealed record ParticipantRecord(DateTimeOffset RegisteredAt, string TokenSha256, string? PhoneNumberHash);
}
