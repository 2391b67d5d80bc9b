using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Cohort.Studies.Rules;

namespace Cohort.Studies.Tests.Rules;

/// <summary>A notifier that keeps what it is sent.</summary>
internal sealed class RecordingNotifier : INotifier
{
    public ConcurrentQueue<Notification> Sent { get; } = new();

    public ValueTask NotifyAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        Sent.Enqueue(notification);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A real HTTP listener on a free loopback port, for webhook notifiers.</summary>
internal static class LocalWebhook
{
    public static HttpListener Start(string path, out Uri url)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        url = new Uri($"http://127.0.0.1:{port}/{path}/");
        var listener = new HttpListener();
        listener.Prefixes.Add(url.ToString());
        listener.Start();
        return listener;
    }
}
