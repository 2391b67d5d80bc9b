using Xunit;

namespace Cohort.Testing.Servers;

/// <summary>
/// xunit fixture giving a test class or collection the process-wide anonymous Mosquitto broker of
/// <see cref="SharedServers"/>. Tests of credentials or ACLs start their own <see cref="MosquittoServer"/>.
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private MosquittoServer? server;

    /// <summary>The running broker; valid once xunit has initialised the fixture.</summary>
    public MosquittoServer Server => server ?? throw new InvalidOperationException("The fixture has not been initialised.");

    /// <summary>The broker's host, <c>127.0.0.1</c>.</summary>
    public string Host => Server.Host;

    /// <summary>The broker's port.</summary>
    public int Port => Server.Port;

    /// <inheritdoc/>
    public async Task InitializeAsync() => server = await SharedServers.GetMosquittoAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;
}
