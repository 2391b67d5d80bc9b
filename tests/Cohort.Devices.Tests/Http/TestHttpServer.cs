using System.Net;
using System.Text;
using Cohort.Devices.Tests.Modbus;

namespace Cohort.Devices.Tests.Http;

/// <summary>A real HTTP server on loopback (System.Net.HttpListener) answering with whatever the test sets.</summary>
internal sealed class TestHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestHttpServer()
    {
        Port = ModbusServerProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Url(string pathAndQuery = "/") => new($"http://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>The answer: status, content type and body. May be changed between requests.</summary>
    public Func<HttpListenerRequest, (int Status, string ContentType, string Body)> Respond { get; set; } = _ => (200, "application/json", "{}");

    /// <summary>When set, requests wait for it before being answered.</summary>
    public Task? Hold { get; set; }

    public List<(string PathAndQuery, string? Authorization)> Requests { get; } = [];

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                lock (Requests)
                {
                    Requests.Add((context.Request.Url!.PathAndQuery, context.Request.Headers["Authorization"]));
                }

                if (Hold is { } hold)
                {
                    await Task.WhenAny(hold, Task.Delay(Timeout.Infinite, _stop.Token));
                }

                try
                {
                    var (status, type, body) = Respond(context.Request);
                    var bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.StatusCode = status;
                    context.Response.ContentType = type;
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    // the client or the server went away while the request was held
                }
                catch (HttpListenerException)
                {
                    // the client gave up (timeout tests)
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
