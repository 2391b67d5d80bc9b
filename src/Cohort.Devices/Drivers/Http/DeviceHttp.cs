using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cohort.Devices.Configuration;

namespace Cohort.Devices.Drivers.Http;

/// <summary>The HTTP GET shared by the HTTP JSON and eGauge drivers: authentication from secrets, the device timeout, status checks.</summary>
internal sealed class DeviceHttp : IDisposable
{
    private readonly HttpClient _client;

    public DeviceHttp()
    {
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the device's own timeout applies, measured by the TimeProvider
        };
    }

    public static IEnumerable<ConfigurationProblem> ValidateConnection(DeviceConfiguration device, string typeName)
    {
        var connection = device.Connection;
        if (connection is null)
        {
            yield return new("connection", $"is required for {typeName} (url)");
            yield break;
        }

        if (connection.Url is null)
        {
            yield return new("connection.url", "is required");
        }
        else if (!connection.Url.IsAbsoluteUri || (connection.Url.Scheme != Uri.UriSchemeHttp && connection.Url.Scheme != Uri.UriSchemeHttps))
        {
            yield return new("connection.url", "must be an absolute http:// or https:// URL");
        }
        else if (!string.IsNullOrEmpty(connection.Url.UserInfo))
        {
            yield return new("connection.url", "must not hold credentials (user:password@); use username with a password secret");
        }

        if (connection.Token is not null && (connection.Username is not null || connection.Password is not null))
        {
            yield return new("connection.token", "cannot be combined with username and password: choose bearer or basic authentication");
        }
        else if (connection.Password is not null && connection.Username is null)
        {
            yield return new("connection.username", "is required with a password");
        }

        foreach (var (name, value) in new (string, object?)[] { ("host", connection.Host), ("port", connection.Port), ("unitId", connection.UnitId) })
        {
            if (value is not null)
            {
                yield return new("connection." + name, $"is not used by {typeName}");
            }
        }

        if (device.Simulation is not null)
        {
            yield return new("simulation", "is only for simulated devices");
        }

        if (device.Fields is null || device.Fields.Count == 0)
        {
            yield return new("fields", "must list at least one field");
        }
    }

    /// <summary>GETs the URL and returns the body; statuses other than 2xx are device errors (5xx, 408 and 429 transient).</summary>
    public async Task<byte[]> GetAsync(DeviceConfiguration device, Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var connection = device.Connection!;
        if (connection.Token is not null)
        {
            var token = await connection.Token.ResolveAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (connection.Username is not null)
        {
            var password = connection.Password is null ? string.Empty : await connection.Password.ResolveAsync(cancellationToken).ConfigureAwait(false);
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(connection.Username + ":" + password));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DeviceException(device.Name, $"GET {Redact(url)} failed: {ex.Message}", isTransient: true, ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var status = response.StatusCode;
                var transient = (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
                throw new DeviceException(device.Name, $"GET {Redact(url)} answered {(int)status} {response.ReasonPhrase}", transient);
            }

            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The URL without user information or query (which may hold credentials), for messages.</summary>
    private static string Redact(Uri url) => url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
