using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cohort.Devices.Tests.Modbus;

/// <summary>The real pymodbus server (Debian's python3-pymodbus for /usr/bin/python3) running modbus_server.py.</summary>
internal sealed class ModbusServerProcess : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private Process? _process;

    private ModbusServerProcess(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public static async Task<ModbusServerProcess> StartAsync(int? port = null)
    {
        var server = new ModbusServerProcess(port ?? FreePort());
        await server.StartAsync();
        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Modbus", "modbus_server.py");
        var info = new ProcessStartInfo(Python)
        {
            ArgumentList = { script, Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("python did not start");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"modbus_server.py exited with {_process.ExitCode} (is python3-pymodbus installed for {Python}?)");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("modbus_server.py did not start listening on port " + Port);
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

/// <summary>One server shared by the tests of a class.</summary>
public sealed class ModbusServerFixture : IAsyncLifetime
{
    private ModbusServerProcess? _server;

    public int Port => _server!.Port;

    public async Task InitializeAsync() => _server = await ModbusServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
