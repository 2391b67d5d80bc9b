using Xunit;

namespace Cohort.Testing.Servers;

/// <summary>
/// xunit fixture giving a test class or collection the process-wide InfluxDB 1.x server of <see cref="SharedServers"/>.
/// </summary>
public sealed class InfluxDbFixture : IAsyncLifetime
{
    private InfluxDbServer? server;

    /// <summary>The running server; valid once xunit has initialised the fixture.</summary>
    public InfluxDbServer Server => server ?? throw new InvalidOperationException("The fixture has not been initialised.");

    /// <summary>The HTTP API's base address, <c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseUri => Server.BaseUri;

    /// <inheritdoc/>
    public async Task InitializeAsync() => server = await SharedServers.GetInfluxDbAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;
}
