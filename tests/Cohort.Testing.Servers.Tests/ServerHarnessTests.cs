using System.Diagnostics;
using Cohort.Testing.Servers.Internal;

namespace Cohort.Testing.Servers.Tests;

public sealed class ServerHarnessTests
{
    [Fact]
    public void A_missing_program_names_the_Debian_package_and_the_install_script()
    {
        var error = Assert.Throws<TestServerException>(
            () => ServerBinaries.Find("no-such-server-binary", "no-such-package", "/nonexistent/no-such-server-binary"));

        Assert.Contains("apt-get install no-such-package", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/install-test-deps.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_start_reports_the_tail_of_the_server_log()
    {
        // Mosquitto refuses an ACL file line it cannot parse, which makes it exit before it is ready.
        await using var server = new MosquittoServer(new MosquittoServerOptions { Acl = "topic" });
        server.StartTimeout = TimeSpan.FromSeconds(20);

        var error = await Assert.ThrowsAsync<TestServerException>(() => server.StartAsync());

        Assert.Contains("Log tail:", error.Message, StringComparison.Ordinal);
        Assert.Contains("mosquitto", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(server.IsRunning);
    }

    [Fact]
    public void Free_ports_are_distinct_loopback_ports()
    {
        var ports = LoopbackPort.Next(5);

        Assert.Equal(5, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1024, 65535));
    }

    [Fact]
    public void A_triggered_watchdog_stops_the_server_and_deletes_its_folder()
    {
        // Triggering closes the watchdog's pipe, exactly what the kernel does when the test process dies.
        var folder = Directory.CreateTempSubdirectory("cohort-watchdog-test-").FullName;
        File.WriteAllText(Path.Combine(folder, "data"), "x");
        using var server = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        using var watchdog = Watchdog.Start(server.Id, Posix.SigTerm, folder)!;

        watchdog.Trigger();

        Assert.True(watchdog.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(5)));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void A_disposed_watchdog_leaves_the_server_alone()
    {
        var folder = Directory.CreateTempSubdirectory("cohort-watchdog-test-").FullName;
        using var server = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            Watchdog.Start(server.Id, Posix.SigTerm, folder)!.Dispose();

            Assert.False(server.HasExited);
            Assert.True(Directory.Exists(folder));
        }
        finally
        {
            server.Kill();
            Directory.Delete(folder, recursive: true);
        }
    }
}
