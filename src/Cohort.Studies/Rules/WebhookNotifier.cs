using System.Security.Cryptography;
using System.Text.Json;
using Cohort.Core;

namespace Cohort.Studies.Rules;

/// <summary>
/// POSTs each notification as JSON (<c>rule</c>, <c>tenant</c>, <c>value</c>, <c>firedAt</c>, <c>message</c>) to a
/// URL. With a signing key, the body's HMAC-SHA256 goes in <c>X-Cohort-Signature: sha256=&lt;hex&gt;</c> so the
/// receiver can check it came from the study. A non-2xx answer throws (transient for 5xx and 429).
/// </summary>
public sealed class WebhookNotifier : INotifier
{
    /// <summary>The signature header's name.</summary>
    public const string SignatureHeader = "X-Cohort-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly byte[]? _signingKey;

    /// <summary>Creates a notifier posting to <paramref name="url"/> through <paramref name="http"/>.</summary>
    public WebhookNotifier(HttpClient http, Uri url, ReadOnlySpan<byte> signingKey = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(url);
        _http = http;
        _url = url;
        _signingKey = signingKey.IsEmpty ? null : signingKey.ToArray();
    }

    /// <inheritdoc />
    public async ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var body = JsonSerializer.SerializeToUtf8Bytes(notification, Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        if (_signingKey is not null)
        {
            request.Headers.Add(SignatureHeader, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, body)));
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            throw new WebhookException($"The webhook {_url.GetLeftPart(UriPartial.Path)} answered {status} {response.ReasonPhrase}.", status >= 500 || status == 429);
        }
    }
}

/// <summary>A webhook answered with an error status.</summary>
public sealed class WebhookException : CohortException
{
    private readonly bool _transient;

    /// <summary>Creates the exception.</summary>
    public WebhookException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public WebhookException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public WebhookException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message saying whether a retry may succeed.</summary>
    public WebhookException(string message, bool isTransient)
        : base(message) => _transient = isTransient;

    /// <inheritdoc />
    public override bool IsTransient => _transient;
}
