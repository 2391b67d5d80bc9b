using System.Diagnostics;
using System.Globalization;
using Cohort.Testing.Servers.Internal;

namespace Cohort.Testing.Servers;

/// <summary>
/// A real server process on a free loopback port, with its data, config and log in a fresh temp folder. Start it with
/// <see cref="StartAsync"/>; <see cref="StopAsync"/>, <see cref="KillAsync"/> and <see cref="RestartAsync"/> keep the
/// port and the data, so a test can take the server away and bring it back. Disposing stops it and deletes the folder.
/// </summary>
/// <remarks>
/// Every started server is also stopped when the test process exits, in case a test forgets to dispose it; a server
/// left behind by a test host that was killed is cleaned up by the next run.
/// </remarks>
public abstract class TestServer : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private static readonly Lock LiveGate = new();
    private static readonly HashSet<TestServer> Live = [];
    private static bool exitHookInstalled;

    private readonly SemaphoreSlim gate = new(1, 1);
    private Process? process;
    private Watchdog? watchdog;
    private LogFile? log;
    private bool initialized;
    private bool portsChosen;
    private int launches;
    private bool disposed;

    /// <summary>Creates the server's temp folder; nothing runs until <see cref="StartAsync"/>.</summary>
    /// <param name="kind">A short name for folders and messages, such as <c>postgres</c>.</param>
    /// <param name="program">The server program (or its folder), found before the temp folder is made.</param>
    private protected TestServer(string kind, string program)
    {
        Kind = kind;
        Program = program;
        Directory = ScratchDirectory.Create(kind);
        LogPath = Path.Combine(Directory, "server.log");
    }

    /// <summary>The address the server listens on: always <c>127.0.0.1</c>.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The server's main TCP port; 0 until the first start chose it. It stays the same across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The temp folder holding the server's data, config and log.</summary>
    public string Directory { get; }

    /// <summary>The file the server's standard output and error go to, across restarts.</summary>
    public string LogPath { get; }

    /// <summary>True between a successful start and the next stop or kill.</summary>
    public bool IsRunning => process is { HasExited: false };

    /// <summary>The id of the server's main process while it runs; null otherwise.</summary>
    public int? ProcessId => process is { HasExited: false } p ? p.Id : null;

    /// <summary>How long a start may take before it fails with the log tail. 60 s by default (shared CI machines).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop may take before the process tree is killed. 15 s by default.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A short name for the kind of server, such as <c>postgres</c>.</summary>
    public string Kind { get; }

    /// <summary>The server program, or for PostgreSQL the folder of its programs.</summary>
    private protected string Program { get; }

    /// <summary>
    /// Starts the server and returns when it answers over its own protocol. The first start chooses the port and
    /// prepares the data folder; later starts (after <see cref="StopAsync"/> or <see cref="KillAsync"/>) reuse both.
    /// Does nothing when the server already runs.
    /// </summary>
    /// <exception cref="TestServerException">A program is missing, or the server did not become ready; the message
    /// carries the tail of the log.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (IsRunning)
            {
                return;
            }

            if (process is not null)
            {
                await StopCoreAsync(graceful: false, cancellationToken).ConfigureAwait(false); // it died on its own: release it
            }

            if (!initialized)
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                initialized = true;
            }

            for (var attempt = 1; ; attempt++)
            {
                if (!portsChosen)
                {
                    Port = ChoosePorts();
                }

                try
                {
                    await LaunchAsync(cancellationToken).ConfigureAwait(false);
                    portsChosen = true;
                    return;
                }
                catch (TestServerException) when (!portsChosen && attempt < PortAttempts && LogSaysPortInUse())
                {
                    // Another process took the port between choosing it and binding it: choose again.
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stops the server gracefully (as its service manager would) and waits for it to exit; kills the process tree
    /// when it takes longer than <see cref="StopTimeout"/>. Keeps the data folder and the port for a later start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(graceful: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Kills the server's process tree at once, as a crash or a power cut would (no shutdown, no flush), and waits for
    /// it to be gone. Keeps the data folder and the port for a later start.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(graceful: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the server gracefully and starts it again on the same port with the same data.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last lines of the server's log, for assertions and diagnostics.</summary>
    public string ReadLogTail(int lines = 40) => LogFile.Tail(LogPath, lines);

    /// <summary>Stops the server and deletes its temp folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            await StopCoreAsync(graceful: true, CancellationToken.None).ConfigureAwait(false);
            Unregister(this);
            DisposeCore();
            ScratchDirectory.Delete(Directory);
        }
        finally
        {
            gate.Release();
        }

        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} on {Host}:{Port.ToString(CultureInfo.InvariantCulture)} ({Directory})";

    /// <summary>Prepares the data folder once, before the first start (for example <c>initdb</c>).</summary>
    private protected virtual Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Chooses the free loopback ports the server will use and returns the main one.</summary>
    private protected virtual int ChoosePorts() => LoopbackPort.Next();

    /// <summary>The command that runs the server in the foreground, with its config written for the chosen ports.</summary>
    private protected abstract ProcessStartInfo CreateStartInfo();

    /// <summary>One readiness probe over the server's own protocol; true when it answered as a ready server.</summary>
    private protected abstract Task<bool> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>The signal that asks the server to shut down cleanly.</summary>
    private protected virtual int StopSignal => Posix.SigTerm;

    /// <summary>The signal that asks the server to shut down at once when the test process exits.</summary>
    private protected virtual int ExitSignal => Posix.SigTerm;

    /// <summary>Releases what the subclass holds (clients used for probes).</summary>
    private protected virtual void DisposeCore()
    {
    }

    /// <summary>Runs a helper program (such as <c>initdb</c>) to the end, its output into the log; throws on failure.</summary>
    private protected async Task RunToEndAsync(ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        using var logFile = new LogFile(LogPath);
        logFile.WriteLine($"---- {Path.GetFileName(startInfo.FileName)} {string.Join(' ', startInfo.ArgumentList)}");
        using var helper = StartProcess(startInfo, logFile);
        try
        {
            await helper.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            helper.Kill(entireProcessTree: true);
            throw;
        }

        if (helper.ExitCode != 0)
        {
            throw new TestServerException(
                $"{Path.GetFileName(startInfo.FileName)} exited with code {helper.ExitCode.ToString(CultureInfo.InvariantCulture)} " +
                $"while preparing {Kind} in {Directory}. Log tail:\n{ReadLogTail()}");
        }
    }

    /// <summary>A start info with output redirected and the working folder set to the server's folder.</summary>
    private protected ProcessStartInfo NewStartInfo(string fileName, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = Directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    private static Process StartProcess(ProcessStartInfo startInfo, LogFile logFile)
    {
        var started = new Process { StartInfo = startInfo };
        started.OutputDataReceived += (_, e) => logFile.WriteLine(e.Data);
        started.ErrorDataReceived += (_, e) => logFile.WriteLine(e.Data);
        if (!started.Start())
        {
            started.Dispose();
            throw new TestServerException($"Could not start {startInfo.FileName}.");
        }

        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        return started;
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var startInfo = CreateStartInfo();
        launches++;
        log = new LogFile(LogPath);
        log.WriteLine($"---- start #{launches.ToString(CultureInfo.InvariantCulture)} on port {Port.ToString(CultureInfo.InvariantCulture)}: " +
                      $"{startInfo.FileName} {string.Join(' ', startInfo.ArgumentList)}");
        process = StartProcess(startInfo, log);
        Register(this);
        watchdog = Watchdog.Start(process.Id, ExitSignal, Directory);
        await File.WriteAllTextAsync(
            Path.Combine(Directory, ScratchDirectory.ServerPidFile),
            process.Id.ToString(CultureInfo.InvariantCulture),
            cancellationToken).ConfigureAwait(false);

        try
        {
            await WaitUntilReadyAsync(process, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await StopCoreAsync(graceful: false, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(Process running, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Exception? lastProbeError = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (running.HasExited)
            {
                await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false); // drains the output into the log
                throw new TestServerException(
                    $"{Kind} exited with code {running.ExitCode.ToString(CultureInfo.InvariantCulture)} before it was ready " +
                    $"(port {Port.ToString(CultureInfo.InvariantCulture)}, folder {Directory}). Log tail:\n{ReadLogTail()}");
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TestServerException(
                    $"{Kind} was not ready after {StartTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s " +
                    $"(port {Port.ToString(CultureInfo.InvariantCulture)}, folder {Directory}); last probe: " +
                    $"{lastProbeError?.Message ?? "no answer"}. Log tail:\n{ReadLogTail()}",
                    lastProbeError ?? new TimeoutException());
            }

            using (var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                probeTimeout.CancelAfter(TimeSpan.FromSeconds(3));
                try
                {
                    if (await ProbeAsync(probeTimeout.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Not ready yet (refused, reset, starting up, probe timed out): keep the reason for the timeout message.
                    lastProbeError = e;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StopCoreAsync(bool graceful, CancellationToken cancellationToken)
    {
        var running = process;
        if (running is null)
        {
            return;
        }

        watchdog?.Dispose();
        watchdog = null;
        try
        {
            if (!running.HasExited)
            {
                if (graceful && Posix.Signal(running.Id, StopSignal))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(StopTimeout);
                    try
                    {
                        await running.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        log?.WriteLine($"---- {Kind} did not stop within {StopTimeout}: killing it");
                    }
                }

                if (!running.HasExited)
                {
                    running.Kill(entireProcessTree: true);
                }
            }

            await running.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            log?.WriteLine($"---- {Kind} exited with code {running.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        }
        finally
        {
            if (running.HasExited)
            {
                running.Dispose();
                process = null;
                log?.Dispose();
                log = null;
            }
        }
    }

    private bool LogSaysPortInUse() => ReadLogTail(80).Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>From the process-exit hook: sets the watchdog off (or signals the server), without waiting.</summary>
    private void SignalAtExit()
    {
        if (watchdog is not null)
        {
            watchdog.Trigger();
        }
        else if (process is { HasExited: false } running)
        {
            Posix.Signal(running.Id, ExitSignal);
        }
    }

    /// <summary>
    /// From the process-exit hook: waits briefly for the watchdog to stop the server and delete the folder (it goes on
    /// if the runner kills this process first); without a watchdog, kills what lingers and deletes the folder here.
    /// </summary>
    private void CleanUpAtExit(long startedAt, TimeSpan budget)
    {
        if (watchdog is not null)
        {
            watchdog.WaitForExit(budget - Stopwatch.GetElapsedTime(startedAt));
            return;
        }

        if (process is { HasExited: false } running)
        {
            var left = budget - Stopwatch.GetElapsedTime(startedAt);
            if (left <= TimeSpan.Zero || !running.WaitForExit(left))
            {
                running.Kill(entireProcessTree: true);
                running.WaitForExit(TimeSpan.FromSeconds(2));
            }
        }

        log?.Dispose();
        DisposeCore();
        ScratchDirectory.Delete(Directory);
    }

    private static void Register(TestServer server)
    {
        lock (LiveGate)
        {
            Live.Add(server);
            if (!exitHookInstalled)
            {
                exitHookInstalled = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => TerminateAllAtExit();
            }
        }
    }

    private static void Unregister(TestServer server)
    {
        lock (LiveGate)
        {
            Live.Remove(server);
        }
    }

    private static void TerminateAllAtExit()
    {
        TestServer[] servers;
        lock (LiveGate)
        {
            servers = [.. Live];
            Live.Clear();
        }

        // The runner may kill this process soon after the last test: signal every server first, then wait for them
        // together. Whatever is cut short here, the watchdogs finish.
        foreach (var server in servers)
        {
            server.SignalAtExit();
        }

        var startedAt = Stopwatch.GetTimestamp();
        foreach (var server in servers)
        {
            try
            {
                server.CleanUpAtExit(startedAt, TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The process is exiting: report and go on to the next server rather than leave them all running.
                Console.Error.WriteLine($"cohort test servers: could not clean up {server}: {e.Message}");
            }
        }
    }
}
