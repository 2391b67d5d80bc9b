using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cohort.StudyServer.Tests;

/// <summary>DACC's <c>POST /measure</c> and <c>GET /aggregate</c> over real HTTP.</summary>
public sealed class MeasureTests(StudyServerHost server) : IClassFixture<StudyServerHost>
{
    private const string Aggregate = "/aggregate?measureName=daily-steps&startDate=2024-03-01&endDate=2024-03-03";

    [Fact]
    public async Task Aggregates_are_released_at_the_threshold_and_suppressed_below_it()
    {
        // Five participants on 1 March (released), three on 2 March (below the threshold of five).
        for (int i = 0; i < 5; i++)
        {
            await PostAsync(Steps(1000 * (i + 1), "2024-03-01", "phone-app"), StudyServerHost.TeamToken, HttpStatusCode.Created);
        }

        for (int i = 0; i < 3; i++)
        {
            await PostAsync(Steps(500, "2024-03-02", "phone-app"), StudyServerHost.TeamToken, HttpStatusCode.Created);
        }

        JsonElement rows = await StudyServerHost.EventuallyAsync(async () =>
        {
            JsonElement body = await GetAsync(Aggregate, StudyServerHost.TeamToken, HttpStatusCode.OK);
            return body.GetArrayLength() > 0 ? body : null;
        });

        JsonElement row = Assert.Single(rows.EnumerateArray());
        Assert.StartsWith("2024-03-01", row.GetProperty("startDate").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, row.GetProperty("count").GetInt64());
        Assert.Equal(15000, row.GetProperty("sum").GetDouble());

        // The partner organisation is in accessOrgs; the outsider and anonymous callers are not.
        Assert.Single((await GetAsync(Aggregate, StudyServerHost.PartnerToken, HttpStatusCode.OK)).EnumerateArray());
        await GetAsync(Aggregate, StudyServerHost.OutsiderToken, HttpStatusCode.Forbidden);
        await GetAsync(Aggregate, null, HttpStatusCode.Forbidden);
        await GetAsync(Aggregate, "not-a-known-token-at-all", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Public_measures_are_readable_without_a_token()
    {
        string measure = """{"measureName": "public-sleep", "value": 7.5, "startDate": "2024-04-01", "createdBy": "app"}""";
        await PostAsync(measure, StudyServerHost.OutsiderToken, HttpStatusCode.Created);
        await PostAsync(measure, StudyServerHost.PartnerToken, HttpStatusCode.Created);

        JsonElement rows = await StudyServerHost.EventuallyAsync(async () =>
        {
            JsonElement body = await GetAsync("/aggregate?measureName=public-sleep&startDate=2024-04-01&endDate=2024-04-02", null, HttpStatusCode.OK);
            return body.GetArrayLength() > 0 ? body : null;
        });
        Assert.Equal(7.5, Assert.Single(rows.EnumerateArray()).GetProperty("avg").GetDouble());
    }

    [Theory]
    [InlineData("""{"measureName": "daily-steps", "value": "12", "startDate": "2024-03-01", "createdBy": "a", "group1": {"cohort": "x"}}""", "value", "InvalidValue")]
    [InlineData("""{"value": 12, "startDate": "2024-03-01", "createdBy": "a"}""", "measureName", "MissingMeasureName")]
    [InlineData("""{"measureName": "daily-steps", "value": 12, "startDate": "March", "createdBy": "a", "group1": {"cohort": "x"}}""", "startDate", "InvalidStartDate")]
    [InlineData("""{"measureName": "daily-steps", "value": 12, "startDate": "2024-03-01", "createdBy": "a"}""", "group1", "MissingGroup")]
    [InlineData("""{"measureName": "nope", "value": 12, "startDate": "2024-03-01", "createdBy": "a"}""", "measureName", "UnknownMeasure")]
    public async Task A_bad_raw_measure_is_a_400_naming_the_field(string body, string field, string error)
    {
        JsonElement problem = await PostAsync(body, StudyServerHost.TeamToken, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(error, problem.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Posting_a_measure_needs_an_organisation_token()
    {
        await PostAsync(Steps(1, "2024-03-01", "a"), null, HttpStatusCode.Unauthorized);
        await PostAsync(Steps(1, "2024-03-01", "a"), "wrong-token-0123456789", HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/aggregate?startDate=2024-03-01&endDate=2024-03-02", "measureName")]
    [InlineData("/aggregate?measureName=daily-steps&startDate=soon&endDate=2024-03-02", "startDate")]
    [InlineData("/aggregate?measureName=daily-steps&startDate=2024-03-02&endDate=2024-03-01", "endDate")]
    [InlineData("/aggregate?measureName=daily-steps&startDate=2024-03-01&endDate=2024-03-02&wildcardGroups=4", "wildcardGroups")]
    public async Task A_bad_aggregate_query_is_a_400_naming_the_parameter(string path, string field)
    {
        JsonElement problem = await GetAsync(path, StudyServerHost.TeamToken, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_unknown_measure_is_a_404()
    {
        await GetAsync("/aggregate?measureName=nope&startDate=2024-03-01&endDate=2024-03-02", StudyServerHost.TeamToken, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Status_reports_healthy_with_the_upload_backlog()
    {
        JsonElement status = await GetAsync("/status", null, HttpStatusCode.OK);
        Assert.Equal("Healthy", status.GetProperty("status").GetString());
        JsonElement check = Assert.Single(status.GetProperty("checks").EnumerateArray());
        Assert.Equal("study", check.GetProperty("name").GetString());
        Assert.True(check.GetProperty("data").TryGetProperty("pendingUploads", out _));
    }

    private static string Steps(double value, string day, string createdBy) =>
        JsonSerializer.Serialize(new { measureName = "daily-steps", value, startDate = day, createdBy, group1 = new { cohort = "pilot" } });

    private async Task<JsonElement> PostAsync(string json, string? token, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(StudyServerHost.Request(
            HttpMethod.Post, "/measure", token, new StringContent(json, Encoding.UTF8, "application/json")));
        Assert.Equal(expected, response.StatusCode);
        return response.Content.Headers.ContentLength == 0 ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> GetAsync(string path, string? token, HttpStatusCode expected)
    {
        using HttpResponseMessage response = await server.Client.SendAsync(StudyServerHost.Request(HttpMethod.Get, path, token));
        Assert.Equal(expected, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
