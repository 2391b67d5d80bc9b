namespace Cohort.Testing.Servers;

/// <summary>
/// One server of each kind per test process, started lazily by the first fixture (or caller) that asks and stopped
/// when the process exits. A failed start is remembered, so every later test fails fast with the same message.
/// </summary>
/// <remarks>
/// The shared servers are used by tests running in parallel: do not stop, kill or restart them. A test that takes a
/// server away creates its own (<c>await using var server = new PostgresServer(); await server.StartAsync();</c>).
/// </remarks>
public static class SharedServers
{
    private static readonly Lazy<Task<PostgresServer>> Postgres = new(() => StartAsync(new PostgresServer()));
    private static readonly Lazy<Task<InfluxDbServer>> InfluxDb = new(() => StartAsync(new InfluxDbServer()));
    private static readonly Lazy<Task<MosquittoServer>> Mosquitto = new(() => StartAsync(new MosquittoServer()));

    /// <summary>The process-wide PostgreSQL server, started on first use.</summary>
    public static Task<PostgresServer> GetPostgresAsync() => Postgres.Value;

    /// <summary>The process-wide InfluxDB server, started on first use.</summary>
    public static Task<InfluxDbServer> GetInfluxDbAsync() => InfluxDb.Value;

    /// <summary>The process-wide anonymous Mosquitto broker, started on first use.</summary>
    public static Task<MosquittoServer> GetMosquittoAsync() => Mosquitto.Value;

    private static async Task<T> StartAsync<T>(T server)
        where T : TestServer
    {
        // Stopped by TestServer's process-exit hook once started; on a failed start, the folder goes now.
        try
        {
            await server.StartAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
