using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cohort.StudyServer;
using Microsoft.AspNetCore.Builder;

namespace Cohort.StudyServer.Tests;

/// <summary>A study server on Kestrel, 127.0.0.1, a free port, in its own temporary folder.</summary>
public sealed class StudyServerHost : IAsyncLifetime
{
    public const string TeamToken = "team-token-0123456789";
    public const string PartnerToken = "partner-token-0123456789";
    public const string OutsiderToken = "outsider-token-0123456789";

    public const string Definitions = """
        { "definitions": [
          { "name": "daily-steps", "org": "study-team", "group1Key": "cohort", "aggregationPeriod": "day",
            "aggregationThreshold": 5, "accessOrgs": ["partner-lab"] },
          { "name": "public-sleep", "org": "study-team", "aggregationPeriod": "day", "aggregationThreshold": 2, "accessPublic": true }
        ] }
        """;

    private WebApplication? _app;

    public StudyServerHost()
        : this(Directory.CreateTempSubdirectory("cohort-study-").FullName)
    {
    }

    internal StudyServerHost(string directory) => Root = directory;

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public string KeyDirectory => Path.Combine(DataDirectory, "keys");

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string definitions = Path.Combine(Root, "measures.json");
        await File.WriteAllTextAsync(definitions, Definitions);
        _app = StudyServerApp.Create(
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Testing",
            "--Logging:LogLevel:Default", "Warning",
            "--Study:DataDirectory", DataDirectory,
            "--Study:AggregationInterval", "00:00:00.100",
            "--Study:Organisations:0:Name", "study-team", "--Study:Organisations:0:Token", TeamToken,
            "--Study:Organisations:1:Name", "partner-lab", "--Study:Organisations:1:Token", PartnerToken,
            "--Study:Organisations:2:Name", "outsider", "--Study:Organisations:2:Token", OutsiderToken,
            "--Aggregation:DefinitionsPath", definitions,
        ]);
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Registers a participant; returns the registration as the phone reads it.</summary>
    public async Task<JsonElement> RegisterAsync(string participantId)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync("/participants", new { participantId });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        HttpRequestMessage request = new(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    /// <summary>Polls an upload's status (with the participant's token) until it is no longer pending.</summary>
    public Task<JsonElement> WaitForUploadAsync(string location, string token) => EventuallyAsync(async () =>
    {
        using HttpResponseMessage response = await Client.SendAsync(Request(HttpMethod.Get, location, token));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("status").GetString() == "pending" ? null : body;
    });

    /// <summary>Polls <paramref name="probe"/> until it returns a value (at most 30 s: a loaded machine is slow).</summary>
    public static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> probe)
    {
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
