using System.Net;
using System.Text;
using System.Text.Json;

namespace Cohort.Testing.Servers.Tests;

public sealed class InfluxDbServerTests(InfluxDbFixture influx) : IClassFixture<InfluxDbFixture>
{
    [Fact]
    public async Task Ping_answers_204_with_the_version_header()
    {
        using var http = new HttpClient { BaseAddress = influx.BaseUri };

        using var response = await http.GetAsync(new Uri("ping", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.StartsWith("1.", Assert.Single(response.Headers.GetValues("X-Influxdb-Version")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_a_line_and_queries_it_back()
    {
        using var http = new HttpClient { BaseAddress = influx.BaseUri };
        var db = "smoke_" + Guid.NewGuid().ToString("N")[..8];
        await CreateDatabaseAsync(http, db);

        await WriteAsync(http, db, "heart,device=watch-1 bpm=72i,ok=true 1700000000000000000");
        var values = await QueryAsync(http, db, "SELECT bpm, ok, device FROM heart");

        var row = Assert.Single(values);
        Assert.Equal("2023-11-14T22:13:20Z", row[0].GetString());
        Assert.Equal(72, row[1].GetInt64());
        Assert.True(row[2].GetBoolean());
        Assert.Equal("watch-1", row[3].GetString());
    }

    [Fact]
    public void Listens_only_on_loopback_for_http_and_rpc()
    {
        var sockets = LoopbackSockets.Of(influx.Server.ProcessId!.Value);

        Assert.Contains(sockets, s => s.Port == influx.Server.Port);
        Assert.Contains(sockets, s => s.Port == influx.Server.RpcPort);
        Assert.All(sockets, s => Assert.True(LoopbackSockets.IsLoopback(s.Table, s.Address), $"{s.Table} {s.Address}:{s.Port}"));
    }

    internal static async Task CreateDatabaseAsync(HttpClient http, string db)
    {
        using var content = new FormUrlEncodedContent([new("q", $"CREATE DATABASE \"{db}\"")]);
        using var response = await http.PostAsync(new Uri("query", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(json.RootElement.GetProperty("results")[0].TryGetProperty("error", out var error), error.ToString());
    }

    internal static async Task WriteAsync(HttpClient http, string db, string lines)
    {
        using var content = new StringContent(lines, Encoding.UTF8, "text/plain");
        using var response = await http.PostAsync(new Uri($"write?db={db}&precision=ns", UriKind.Relative), content);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    internal static async Task<List<JsonElement[]>> QueryAsync(HttpClient http, string db, string query)
    {
        var uri = new Uri($"query?db={db}&q={Uri.EscapeDataString(query)}", UriKind.Relative);
        using var response = await http.GetAsync(uri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var result = json.RootElement.GetProperty("results")[0];
        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        var rows = new List<JsonElement[]>();
        if (result.TryGetProperty("series", out var series))
        {
            foreach (var s in series.EnumerateArray())
            {
                rows.AddRange(s.GetProperty("values").EnumerateArray().Select(v => v.EnumerateArray().Select(e => e.Clone()).ToArray()));
            }
        }

        return rows;
    }
}
