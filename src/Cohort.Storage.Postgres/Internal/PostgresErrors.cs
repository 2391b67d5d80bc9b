using System.Net.Sockets;
using Npgsql;

namespace Cohort.Storage.Postgres.Internal;

internal static class PostgresErrors
{
    /// <summary>Whether a failure means the server cannot be reached or went away (a retry later may work).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException pg => IsUnavailableState(pg.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException || npgsql.InnerException is null,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>Deadlocks and serialization failures: the batch is retried at once.</summary>
    public static bool IsRetryable(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    private static bool IsUnavailableState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) ||  // connection exceptions
        state.StartsWith("53", StringComparison.Ordinal) ||  // insufficient resources (too many connections, disk full)
        state is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.ReadOnlySqlTransaction;
}
