using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Cohort.Core;
using Cohort.Storage.Sqlite.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cohort.Storage.Sqlite;

/// <summary>
/// The embedded store: points in SQLite files (WAL mode, <c>synchronous=NORMAL</c>), one per tenant by default.
/// Thread-safe; writes to one file are serialised, reads run beside them on snapshots. Held to the Cohort store
/// contract (docs/storage.md): merge on overwrite, start-inclusive end-exclusive ranges, series-then-time order,
/// tenant isolation, and a field keeping its first type within a measurement (other types come back as rejections).
/// Retention: <see cref="DeleteBeforeAsync"/> deletes a tenant's points before a cutoff.
/// </summary>
public sealed class SqlitePointStore : IPointWriter, IPointReader, IPointDeleter, IAsyncDisposable, IDisposable
{
    private readonly SqliteStoreOptions _options;
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly SqliteStoreMetrics _metrics;
    private readonly ConcurrentDictionary<string, Lazy<SqliteDatabase>> _databases = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>Creates a store; nothing touches the disk until the first write or read.</summary>
    /// <param name="options">Where and how to keep the files; copied, so later changes have no effect.</param>
    /// <param name="loggerFactory">Where to log; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">
    /// Creates the <c>Cohort.Storage.Sqlite</c> meter (values written and rejected, write duration); a meter of the
    /// store's own when <see langword="null"/>.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SqlitePointStore(SqliteStoreOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _options = options.Clone();
        _directory = Path.GetFullPath(_options.DataDirectory);
        _logger = (ILogger?)loggerFactory?.CreateLogger<SqlitePointStore>() ?? NullLogger.Instance;
        _metrics = new SqliteStoreMetrics(meterFactory);
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> WriteAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckTenant(tenant);
        cancellationToken.ThrowIfCancellationRequested();
        return batch.IsEmpty ? ValueTask.FromResult(WriteResult.Success(0)) : WriteCoreAsync(tenant, batch, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<Point> ReadAsync(Tenant tenant, PointQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckTenant(tenant);
        return ReadCoreAsync(tenant, query, cancellationToken);
    }

    /// <summary>
    /// Deletes the tenant's points before <paramref name="before"/> (Unix nanoseconds), in every series, in one
    /// transaction of the tenant's file (series and field definitions are kept). A tenant with no file is left without
    /// one. The file does not shrink (SQLite reuses the freed pages); run <c>VACUUM</c> to give them back.
    /// </summary>
    public ValueTask DeleteBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckTenant(tenant);
        cancellationToken.ThrowIfCancellationRequested();
        return DeleteCoreAsync(tenant, before, cancellationToken);
    }

    /// <summary>Closes the database files.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var database in _databases.Values)
        {
            if (database.IsValueCreated)
            {
                database.Value.Dispose();
            }
        }

        _databases.Clear();
        _metrics.Dispose();
    }

    /// <summary>Closes the database files.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The full path of the file that holds a tenant's data.</summary>
    internal string GetDatabasePath(Tenant tenant) => _options.Mode == SqliteStoreMode.SingleFile
        ? Path.Combine(_directory, _options.SingleFileName)
        : Path.Combine(_directory, tenant.Id + ".db");

    private async ValueTask<WriteResult> WriteCoreAsync(Tenant tenant, PointBatch batch, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await GetDatabase(tenant).WriteAsync(tenant, batch, cancellationToken).ConfigureAwait(false);
        _metrics.Record(result.Written, result.Rejections.Length, start);
        return result;
    }

    private async ValueTask DeleteCoreAsync(Tenant tenant, long before, CancellationToken cancellationToken)
    {
        var database = GetDatabase(tenant);
        if (!File.Exists(database.Path))
        {
            return; // nothing was ever written for this tenant
        }

        var deleted = await database.DeleteBeforeAsync(tenant, before, cancellationToken).ConfigureAwait(false);
        _metrics.RecordDeleted(deleted);
    }

    private async IAsyncEnumerable<Point> ReadCoreAsync(Tenant tenant, PointQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var database = GetDatabase(tenant);
        if (!File.Exists(database.Path))
        {
            // Nothing was ever written for this tenant: no file, no points (and no empty file created by a read).
            yield break;
        }

        await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        using var cursor = new SqliteReadCursor(database, tenant, query);
        while (cursor.MoveNext(cancellationToken))
        {
            yield return cursor.Current;
        }
    }

    private SqliteDatabase GetDatabase(Tenant tenant)
    {
        var path = GetDatabasePath(tenant);
        return _databases.GetOrAdd(
            path,
            static (p, store) => new Lazy<SqliteDatabase>(() => new SqliteDatabase(p, store._options.BusyTimeout, store._logger)),
            this).Value;
    }

    private static void CheckTenant(Tenant tenant)
    {
        if (tenant.Id is null)
        {
            throw new ArgumentException("The tenant is default(Tenant); create one with new Tenant(id).", nameof(tenant));
        }
    }
}
