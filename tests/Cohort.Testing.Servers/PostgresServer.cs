using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cohort.Testing.Servers.Internal;
using Npgsql;

namespace Cohort.Testing.Servers;

/// <summary>
/// A PostgreSQL server (Debian's <c>postgresql</c> package, version 15 preferred) on a free loopback port, with a
/// fresh cluster made by <c>initdb</c> in its temp folder: trust authentication for user <c>postgres</c>, no fsync.
/// Its Unix socket and lock file live in the temp folder too, so several test processes never clash.
/// </summary>
/// <remarks>
/// <c>initdb</c> and <c>postgres</c> refuse to run as root: when the tests run as root, both run as the
/// <c>postgres</c> user on a folder it owns; otherwise they run as the current user.
/// </remarks>
public sealed class PostgresServer : TestServer
{
    private const string Superuser = "postgres";
    private static readonly string[] InitdbArguments =
        ["-U", Superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"];

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);

    /// <summary>Creates the server's temp folder; call <see cref="TestServer.StartAsync"/> to run it.</summary>
    /// <exception cref="TestServerException">PostgreSQL is not installed.</exception>
    public PostgresServer()
        : base("postgres", ServerBinaries.PostgresBinDirectory())
    {
        DataDirectory = Path.Combine(Directory, "data");
        SocketDirectory = Path.Combine(Directory, "sock");
    }

    /// <summary>The user to connect as: the cluster's superuser, <c>postgres</c> (no password: trust).</summary>
    public string UserName { get; } = Superuser;

    /// <summary>The cluster's data folder (<c>PGDATA</c>).</summary>
    public string DataDirectory { get; }

    /// <summary>The folder holding the server's Unix socket and its lock file.</summary>
    public string SocketDirectory { get; }

    /// <summary>An Npgsql connection string for the <c>postgres</c> database.</summary>
    public string ConnectionString => GetConnectionString("postgres");

    /// <summary>An Npgsql connection string for <paramref name="database"/> on this server.</summary>
    public string GetConnectionString(string database)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = Superuser,
            Database = database,
        };
        return builder.ConnectionString;
    }

    /// <summary>Creates an empty database named <paramref name="name"/> and returns its connection string.</summary>
    /// <param name="name">The database name (any text; it is quoted).</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
        var connection = new NpgsqlConnection(admin);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return GetConnectionString(name);
    }

    /// <summary>Creates an empty database with a unique name (<paramref name="prefix"/> plus a random suffix) and returns its connection string.</summary>
    public Task<string> CreateUniqueDatabaseAsync(string prefix = "test", CancellationToken cancellationToken = default) =>
        CreateDatabaseAsync(string.Create(CultureInfo.InvariantCulture, $"{prefix}_{Guid.NewGuid():N}"), cancellationToken);

    private protected override int StopSignal => Posix.SigInt; // "fast" shutdown: roll back sessions, checkpoint, exit

    private protected override int ExitSignal => Posix.SigQuit; // "immediate" shutdown: still removes shared memory

    private protected override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(SocketDirectory);
        if (Environment.IsPrivilegedProcess)
        {
            await RunToEndAsync(NewStartInfo("chown", "-R", $"{Superuser}:", Directory), cancellationToken).ConfigureAwait(false);
        }

        // initdb takes seconds on a busy machine: make one cluster per user and PostgreSQL build, then copy it.
        var template = await GetTemplateAsync(cancellationToken).ConfigureAwait(false);
        await RunToEndAsync(NewStartInfo("cp", "-a", template, DataDirectory), cancellationToken).ConfigureAwait(false);
    }

    private protected override ProcessStartInfo CreateStartInfo() =>
        AsServerUser(NewStartInfo(
            Path.Combine(Program, "postgres"),
            "-D", DataDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", // survives a killed server, not a killed machine; synchronous_commit stays on for the former
            "-c", "full_page_writes=off",
            "-c", "shared_buffers=32MB",
            "-c", "max_connections=200",
            "-c", "logging_collector=off"));

    private protected override async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        // A full startup and authentication: the postmaster accepts TCP before it accepts sessions ("starting up").
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString;
        var connection = new NpgsqlConnection(probe);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection.State == System.Data.ConnectionState.Open;
        }
    }

    /// <summary>
    /// A pristine cluster made by <c>initdb</c>, shared by every server of this user and PostgreSQL build (also across
    /// test processes: it is made under a temporary name and renamed into place, so readers never see half of it).
    /// </summary>
    private async Task<string> GetTemplateAsync(CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Program + "\n" + string.Join(' ', InitdbArguments))))[..12];
        var template = Path.Combine(ScratchDirectory.RootPath, $"template.postgres.{key}");
        await TemplateGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(Path.Combine(template, "global", "pg_control")))
            {
                return template;
            }

            var building = Path.Combine(ScratchDirectory.RootPath, string.Create(
                CultureInfo.InvariantCulture, $"template.postgres.{key}.building.{Environment.ProcessId}.{Guid.NewGuid():N}"));
            System.IO.Directory.CreateDirectory(building);
            try
            {
                if (Environment.IsPrivilegedProcess)
                {
                    await RunToEndAsync(NewStartInfo("chown", $"{Superuser}:", building), cancellationToken).ConfigureAwait(false);
                }

                await RunToEndAsync(
                    AsServerUser(NewStartInfo(Path.Combine(Program, "initdb"), ["-D", building, .. InitdbArguments])),
                    cancellationToken).ConfigureAwait(false);
                try
                {
                    System.IO.Directory.Move(building, template);
                }
                catch (IOException) when (File.Exists(Path.Combine(template, "global", "pg_control")))
                {
                    // Another test process made the same template first: use theirs.
                }
            }
            finally
            {
                ScratchDirectory.Delete(building);
            }

            return template;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static ProcessStartInfo AsServerUser(ProcessStartInfo startInfo)
    {
        if (Environment.IsPrivilegedProcess)
        {
            startInfo.UserName = Superuser; // the server refuses root; .NET switches user in the child on Unix
        }

        // The tests' own PG* variables (PGDATA, PGPORT, ...) must not steer the server.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        return startInfo;
    }
}
