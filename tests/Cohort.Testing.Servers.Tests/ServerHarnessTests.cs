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
}
