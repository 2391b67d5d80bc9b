using Xunit;

namespace Cohort.Testing.Servers;

/// <summary>
/// xunit fixture giving a test class (<c>IClassFixture&lt;PostgresFixture&gt;</c>) or a collection
/// (<c>ICollectionFixture&lt;PostgresFixture&gt;</c>) the process-wide PostgreSQL server of <see cref="SharedServers"/>.
/// Disposing the fixture leaves the server running for the other classes; it stops when the test process exits.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    /// <summary>The running server; valid once xunit has initialised the fixture.</summary>
    public PostgresServer Server => server ?? throw new InvalidOperationException("The fixture has not been initialised.");

    /// <summary>Connection string for the <c>postgres</c> database (prefer a database of your own: <see cref="CreateUniqueDatabaseAsync"/>).</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <summary>Creates an empty database named <paramref name="name"/> and returns its connection string.</summary>
    /// <remarks>The server is shared by the whole test process: a name used by two tests fails the second.</remarks>
    public Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        Server.CreateDatabaseAsync(name, cancellationToken);

    /// <summary>Creates an empty database with a unique name (<paramref name="prefix"/> plus a random suffix) and returns its connection string.</summary>
    public Task<string> CreateUniqueDatabaseAsync(string prefix = "test", CancellationToken cancellationToken = default) =>
        Server.CreateUniqueDatabaseAsync(prefix, cancellationToken);

    /// <inheritdoc/>
    public async Task InitializeAsync() => server = await SharedServers.GetPostgresAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;
}
