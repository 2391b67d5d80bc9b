using System.Net;
using System.Net.Sockets;

namespace Cohort.Testing.Servers.Internal;

/// <summary>Finds TCP ports that are free on 127.0.0.1 right now.</summary>
internal static class LoopbackPort
{
    /// <summary>
    /// Asks the kernel for a free port by binding port 0 and releasing it. Another process may take the port before
    /// the server binds it; <see cref="TestServer"/> retries with a new port when the server reports it in use.
    /// </summary>
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Several distinct free ports, all held until each is known, so none repeats.</summary>
    public static int[] Next(int count)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            return sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }
}
