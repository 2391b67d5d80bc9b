using System.Data;
using System.Globalization;
using Cohort.Core;
using Cohort.Storage.Postgres.Internal;
using Npgsql;

namespace Cohort.Storage.Postgres;

/// <summary>
/// Continuous rollups pushed down to PostgreSQL (<see cref="PostgresPointStore.Rollups"/>): the same buckets as
/// Cohort.Aggregation's in-process engine, kept in the database.
/// <list type="bullet">
/// <item>Plain PostgreSQL: a rollup table per (measurement, field, period), registered in the tenant schema's
/// <c>cohort_rollups</c> table; <see cref="RefreshAllAsync"/> materialises the buckets that ended more than
/// <see cref="PostgresStoreOptions.RollupRefreshLag"/> ago (the watermark); a write that lands in a materialised bucket
/// (a late point or an overwrite) recomputes that bucket from raw, set-based, in the write's own transaction;
/// <see cref="QueryAsync"/> is the real-time view: materialised buckets plus the raw tail after the watermark.</item>
/// <item>TimescaleDB (detected at start-up): a continuous aggregate with real-time aggregation and a refresh policy
/// (TimescaleDB 2.10 or later); late points are handled by TimescaleDB's invalidation log.</item>
/// </list>
/// Rollup retention (<see cref="DeleteBucketsBeforeAsync"/>) deletes whole old buckets for good on both paths.
/// Thread-safe; several processes may share a database (refreshes and late-bucket recomputes are serialised by row
/// and advisory locks).
/// </summary>
public sealed class PostgresRollupManager : IRollupManager, IRollupReader, IRollupRefresher, IRollupBucketDeleter
{
    private readonly PostgresPointStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly long _lagNanoseconds;

    internal PostgresRollupManager(PostgresPointStore store, TimeSpan lag, TimeProvider timeProvider)
    {
        _store = store;
        _timeProvider = timeProvider;
        _lagNanoseconds = lag.Ticks * 100;
    }

    /// <inheritdoc />
    public async ValueTask EnsureRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        RollupDefinition.ThrowIfInvalid(rollup);
        await _store.RunAsync(async (connection, timescale) =>
        {
            var schema = await _store.MigrateAsync(connection, rollup.Tenant, cancellationToken).ConfigureAwait(false);
            var relation = RollupSql.RelationName(rollup);
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                await using var register = Command(connection, RollupSql.Register(schema), rollup);
                register.Parameters.AddWithValue("relation", relation);
                register.Parameters.AddWithValue("timescale", timescale);
                await register.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (!timescale)
                {
                    await Execute(connection, RollupSql.CreateTable(schema, relation), cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (timescale)
            {
                // Continuous aggregates are created outside a transaction block.
                await Execute(connection, RollupSql.CreateContinuousAggregate(schema, relation, rollup), cancellationToken).ConfigureAwait(false);
                await Execute(connection, RollupSql.AddRefreshPolicy(schema, relation, rollup, TimeSpan.FromTicks(_lagNanoseconds / 100)), cancellationToken).ConfigureAwait(false);
            }

            Log.RollupEnsured(_store.Logger, schema, rollup.Field, rollup.Period, timescale);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DropRollupAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        RollupDefinition.ThrowIfInvalid(rollup);
        await _store.RunAsync(async (connection, _) =>
        {
            var schema = _store.GetSchemaName(rollup.Tenant);
            if (!await _store.SchemaReadyAsync(connection, schema, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }

            await _store.MigrateAsync(connection, rollup.Tenant, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var row = await FindAsync(connection, schema, rollup, " FOR UPDATE", cancellationToken).ConfigureAwait(false);
            if (row is not { } found)
            {
                return 0;
            }

            await Execute(connection, found.Timescale ? RollupSql.DropContinuousAggregate(schema, found.Relation) : RollupSql.DropTable(schema, found.Relation), cancellationToken).ConfigureAwait(false);
            await using (var unregister = new NpgsqlCommand(RollupSql.Unregister(schema), connection))
            {
                unregister.Parameters.AddWithValue("id", found.Id);
                await unregister.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Log.RollupDropped(_store.Logger, schema, rollup.Field, rollup.Period);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The rollups maintained for a tenant.</summary>
    public async ValueTask<IReadOnlyList<RollupDefinition>> ListAsync(Tenant tenant, CancellationToken cancellationToken = default)
    {
        var schema = _store.GetSchemaName(tenant);
        return await _store.RunAsync(async (connection, _) =>
        {
            var rows = await ListAsync(connection, schema, cancellationToken).ConfigureAwait(false);
            return (IReadOnlyList<RollupDefinition>)[.. rows.Select(r => new RollupDefinition(tenant, new FieldReference(r.Measurement, r.Field), TimeSpan.FromTicks(r.Period / 100)))];
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RollupBucket>> QueryAsync(RollupDefinition rollup, TimeRange range, CancellationToken cancellationToken = default)
    {
        RollupDefinition.ThrowIfInvalid(rollup);
        var buckets = rollup.AlignToBuckets(range);
        if (buckets.IsEmpty)
        {
            return [];
        }

        return await _store.RunAsync(async (connection, _) =>
        {
            var schema = _store.GetSchemaName(rollup.Tenant);
            if (!await _store.SchemaReadyAsync(connection, schema, cancellationToken).ConfigureAwait(false))
            {
                return (IReadOnlyList<RollupBucket>)[];
            }

            await _store.MigrateAsync(connection, rollup.Tenant, cancellationToken).ConfigureAwait(false);

            // One snapshot for the watermark, the materialised buckets and the raw tail.
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var row = await FindAsync(connection, schema, rollup, string.Empty, cancellationToken).ConfigureAwait(false);
            NpgsqlCommand command;
            if (row is not { } found)
            {
                command = RawCommand(connection, RollupSql.FromRaw(schema, rollup), rollup, buckets.Start, buckets.End);
            }
            else if (found.Timescale)
            {
                command = new NpgsqlCommand(RollupSql.ReadContinuousAggregate(schema, found.Relation), connection);
                command.Parameters.AddWithValue("start", buckets.Start);
                command.Parameters.AddWithValue("end", buckets.End);
                command.Parameters.AddWithValue("floor", found.DeletedBefore);
            }
            else
            {
                var tail = Math.Max(buckets.Start, found.Watermark);
                command = RawCommand(connection, RollupSql.RealTime(schema, found.Relation, rollup), rollup, tail, Math.Max(tail, buckets.End));
                command.Parameters.AddWithValue("start", buckets.Start);
                command.Parameters.AddWithValue("materialized", Math.Min(buckets.End, found.Watermark));
            }

            await using (command)
            {
                return (IReadOnlyList<RollupBucket>)await ReadBucketsAsync(command, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Materialises every rollup of every tenant of this database up to the start of the bucket holding now minus
    /// <see cref="PostgresStoreOptions.RollupRefreshLag"/> (TimescaleDB: refreshes the continuous aggregates to the same
    /// point). Run it on a schedule, e.g. every period, as TimescaleDB's refresh policy does.
    /// </summary>
    public async ValueTask RefreshAllAsync(CancellationToken cancellationToken = default)
    {
        var schemas = await _store.RunAsync(async (connection, _) =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT n.nspname FROM pg_namespace n WHERE starts_with(n.nspname, @prefix) AND to_regclass(quote_ident(n.nspname) || '.cohort_rollups') IS NOT NULL ORDER BY 1",
                connection);
            command.Parameters.AddWithValue("prefix", _store.SchemaPrefix);
            var names = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }, cancellationToken).ConfigureAwait(false);

        foreach (var schema in schemas)
        {
            var rows = await _store.RunAsync((connection, _) => ListAsync(connection, schema, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                var rollup = new RollupDefinition(new Tenant("_"), new FieldReference(row.Measurement, row.Field), TimeSpan.FromTicks(row.Period / 100));
                await RefreshCoreAsync(schema, rollup, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Refreshes one rollup; see <see cref="RefreshAllAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The rollup is not maintained.</exception>
    public async ValueTask RefreshAsync(RollupDefinition rollup, CancellationToken cancellationToken = default)
    {
        RollupDefinition.ThrowIfInvalid(rollup);
        var schema = _store.GetSchemaName(rollup.Tenant);
        if (!await RefreshCoreAsync(schema, rollup, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The rollup of {rollup.Field} every {rollup.Period} for {rollup.Tenant} is not maintained.");
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One transaction per call, with every rollup of the tenant's schema locked (writes that would recompute a bucket
    /// and refreshes wait). Plain path: the rollup table's rows before the floor are deleted and the rollup's deletion
    /// floor and watermark move up to it, so neither a refresh, a late point nor the real-time read recomputes them from
    /// raw. TimescaleDB: a continuous aggregate rejects DELETE, so the chunks of its materialized hypertable before the
    /// floor are dropped (<c>drop_chunks</c> on the aggregate, whole chunks only), reads filter at the floor, and refreshes
    /// and the refresh policy start at the floor.
    /// </remarks>
    /// <exception cref="StoreUnavailableException">The server cannot be reached.</exception>
    public async ValueTask DeleteBucketsBeforeAsync(Tenant tenant, long before, CancellationToken cancellationToken = default)
    {
        var schema = _store.GetSchemaName(tenant);
        await _store.RunAsync(async (connection, timescale) =>
        {
            if (!await _store.SchemaReadyAsync(connection, schema, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }

            await _store.MigrateAsync(connection, tenant, cancellationToken).ConfigureAwait(false);
            var moved = false;
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var row in await ListAsync(connection, schema, cancellationToken, " FOR UPDATE").ConfigureAwait(false))
                {
                    var rollup = Definition(row);
                    var floor = before < rollup.FirstBucketStart ? long.MinValue : rollup.BucketStart(before);
                    if (floor <= row.DeletedBefore)
                    {
                        continue; // nothing before the first bucket, or deleted already
                    }

                    await using (var delete = new NpgsqlCommand(row.Timescale ? RollupSql.DropContinuousAggregateChunks(schema, row.Relation, floor) : RollupSql.DeleteBuckets(schema, row.Relation), connection))
                    {
                        delete.Parameters.AddWithValue("floor", floor);
                        delete.CommandTimeout = 0;
                        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await using (var record = new NpgsqlCommand(RollupSql.SetDeletionFloor(schema), connection))
                    {
                        record.Parameters.AddWithValue("id", row.Id);
                        record.Parameters.AddWithValue("floor", floor);
                        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    moved |= row.Timescale;
                    Log.RollupBucketsDeleted(_store.Logger, schema, rollup.Field, floor);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (moved && timescale)
            {
                await MovePoliciesAfterPurgeAsync(connection, schema, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// In a write's transaction, after its upsert: recomputes the materialised buckets the batch landed in, for every
    /// plain-path rollup of the fields it wrote. The registry rows stay share-locked until the write commits.
    /// </summary>
    internal async ValueTask MaintainAsync(NpgsqlConnection connection, string schema, PointBatch batch, CancellationToken cancellationToken)
    {
        var pairs = new HashSet<(int Series, int Field)>();
        var rows = batch.ValueCount;
        for (var row = 0; row < rows; row++)
        {
            pairs.Add((batch.SeriesIds[row], batch.FieldIds[row]));
        }

        var names = pairs.Select(p => (batch.GetSeries(p.Series).Measurement, batch.GetFieldKey(p.Field))).Distinct().ToArray();
        var rollups = new List<RegistryRow>();
        await using (var command = new NpgsqlCommand(RollupSql.LockForWrite(schema), connection))
        {
            command.Parameters.AddWithValue("measurements", names.Select(n => n.Measurement).ToArray());
            command.Parameters.AddWithValue("fields", names.Select(n => n.Item2).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rollups.Add(new RegistryRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt64(5), false, reader.GetInt64(6)));
            }
        }

        long? purgedBefore = null;
        var purgeRead = false;
        foreach (var registered in rollups)
        {
            if (registered.Watermark == long.MinValue)
            {
                continue; // nothing materialised yet: every bucket is read from raw
            }

            var rollup = new RollupDefinition(new Tenant("_"), new FieldReference(registered.Measurement, registered.Field), TimeSpan.FromTicks(registered.Period / 100));
            var first = rollup.FirstBucketStart;
            var late = new SortedSet<long>();
            for (var row = 0; row < rows; row++)
            {
                var time = batch.Timestamps[row];
                if (time < registered.Watermark && time >= first &&
                    string.Equals(batch.GetFieldKey(batch.FieldIds[row]), registered.Field, StringComparison.Ordinal) &&
                    string.Equals(batch.GetSeries(batch.SeriesIds[row]).Measurement, registered.Measurement, StringComparison.Ordinal))
                {
                    late.Add(rollup.BucketStart(time));
                }
            }

            if (late.Count > 0 && !purgeRead)
            {
                purgedBefore = await PostgresPointStore.PurgedBeforeAsync(connection, schema, cancellationToken).ConfigureAwait(false);
                purgeRead = true;
            }

            if (purgedBefore is { } cutoff)
            {
                // Buckets that lost raw points to retention are final: recomputing them from what is left would lose them.
                late.RemoveWhere(bucket => bucket < PurgeFloor(rollup, cutoff));
            }

            // Buckets deleted by rollup retention stay deleted.
            late.RemoveWhere(bucket => bucket < registered.DeletedBefore);
            if (late.Count == 0)
            {
                continue;
            }

            // Writers recomputing the same rollup queue here; each recomputes after the previous one committed, so
            // its statement sees the other's points.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection))
            {
                lockCommand.Parameters.AddWithValue("key", PostgresSql.LockKey(schema + ":rollup:" + registered.Id.ToString(CultureInfo.InvariantCulture)));
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var recompute = Command(connection, RollupSql.Recompute(schema, registered.Relation), rollup);
            var starts = late.ToArray();
            recompute.Parameters.AddWithValue("starts", starts);
            recompute.Parameters.AddWithValue("lasts", starts.Select(b => b > long.MaxValue - rollup.PeriodNanoseconds ? long.MaxValue : b + rollup.PeriodNanoseconds - 1).ToArray());
            await recompute.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Log.RollupRecomputed(_store.Logger, schema, rollup.Field, starts.Length);
        }
    }

    /// <summary>
    /// Plain path, in the purge's transaction before its delete: locks every rollup of the schema and materialises its
    /// buckets up to the end of the bucket holding the cutoff (moving the watermark there), so the buckets of the points
    /// about to be deleted are kept.
    /// </summary>
    internal async ValueTask MaterializeBeforePurgeAsync(NpgsqlConnection connection, string schema, long before, CancellationToken cancellationToken)
    {
        var rows = new List<RegistryRow>();
        await using (var command = new NpgsqlCommand(RollupSql.LockForPurge(schema), connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new RegistryRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt64(5), false));
            }
        }

        foreach (var row in rows)
        {
            var rollup = Definition(row);
            var to = PurgeFloor(rollup, before);
            if (to <= row.Watermark)
            {
                continue;
            }

            await MaterializeAsync(connection, schema, row, rollup, to, cancellationToken).ConfigureAwait(false);
            Log.RollupRefreshed(_store.Logger, schema, rollup.Field, to);
        }
    }

    /// <summary>
    /// TimescaleDB, before a purge (outside a transaction block): refreshes every continuous aggregate of the schema up
    /// to the end of the bucket holding the cutoff, so the buckets of the points about to be deleted are materialised.
    /// </summary>
    internal static async ValueTask RefreshBeforePurgeAsync(NpgsqlConnection connection, string schema, long before, CancellationToken cancellationToken)
    {
        var previous = await PostgresPointStore.PurgedBeforeAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        foreach (var row in await ListAsync(connection, schema, cancellationToken).ConfigureAwait(false))
        {
            if (!row.Timescale)
            {
                continue;
            }

            var rollup = Definition(row);
            var from = TimescaleFloor(rollup, previous, row.DeletedBefore);
            var to = PurgeFloor(rollup, before);
            if (from is null || to > from)
            {
                await Execute(connection, RollupSql.RefreshContinuousAggregate(schema, row.Relation, from, to), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// TimescaleDB, after a purge or a deletion of old buckets: replaces each continuous aggregate's refresh policy by one
    /// whose window starts at its floor, the end of the bucket holding the purge cutoff or the deletion floor, whichever
    /// is later (a refresh over deleted raw data would delete the buckets; one over deleted buckets whose raw points a
    /// late point invalidated would bring them back).
    /// </summary>
    internal async ValueTask MovePoliciesAfterPurgeAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var purged = await PostgresPointStore.PurgedBeforeAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        var now = Timestamps.Now(_timeProvider);
        foreach (var row in await ListAsync(connection, schema, cancellationToken).ConfigureAwait(false))
        {
            var rollup = Definition(row);
            if (!row.Timescale || TimescaleFloor(rollup, purged, row.DeletedBefore) is not { } floor)
            {
                continue;
            }

            var lag = TimeSpan.FromTicks(_lagNanoseconds / 100);

            // The window [now - start, now - lag) must hold two buckets; a cutoff closer to now than that leaves the
            // window starting two buckets before the lag (documented: purge further back than the lag plus two periods).
            var start = Math.Max(SaturatingSubtract(now, floor), _lagNanoseconds + (2 * rollup.PeriodNanoseconds));
            await Execute(connection, RollupSql.RemoveRefreshPolicy(schema, row.Relation), cancellationToken).ConfigureAwait(false);
            await Execute(connection, RollupSql.AddRefreshPolicy(schema, row.Relation, rollup, lag, start), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Where a continuous aggregate's refreshes start: the later of the purge floor and the deletion floor, or null
    /// (the beginning) when neither is set.
    /// </summary>
    private static long? TimescaleFloor(RollupDefinition rollup, long? purgedBefore, long deletedBefore)
    {
        long? floor = purgedBefore is { } cutoff ? PurgeFloor(rollup, cutoff) : null;
        return deletedBefore == long.MinValue ? floor : Math.Max(floor ?? long.MinValue, deletedBefore);
    }

    /// <summary>
    /// The first bucket start at or after a purge cutoff: the buckets before it held deleted points and are final.
    /// </summary>
    internal static long PurgeFloor(RollupDefinition rollup, long before) => rollup.AlignToBuckets(new TimeRange(before, before)).Start;

    private static RollupDefinition Definition(RegistryRow row) =>
        new(new Tenant("_"), new FieldReference(row.Measurement, row.Field), TimeSpan.FromTicks(row.Period / 100));

    private static long SaturatingSubtract(long value, long amount) =>
        amount < 0 ? (value > long.MaxValue + amount ? long.MaxValue : value - amount) : (value < long.MinValue + amount ? long.MinValue : value - amount);

    private async ValueTask<bool> RefreshCoreAsync(string schema, RollupDefinition rollup, CancellationToken cancellationToken) =>
        await _store.RunAsync(async (connection, _) =>
        {
            if (!await _store.SchemaReadyAsync(connection, schema, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var now = Timestamps.Now(_timeProvider);
            var target = Math.Max(rollup.FirstBucketStart, now < long.MinValue + _lagNanoseconds ? long.MinValue : now - _lagNanoseconds);
            var to = rollup.BucketStart(target);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var row = await FindAsync(connection, schema, rollup, " FOR UPDATE", cancellationToken).ConfigureAwait(false);
            if (row is not { } found)
            {
                return false;
            }

            if (found.Timescale)
            {
                var floor = TimescaleFloor(rollup, await PostgresPointStore.PurgedBeforeAsync(connection, schema, cancellationToken).ConfigureAwait(false), found.DeletedBefore);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (floor is null || to > floor)
                {
                    await Execute(connection, RollupSql.RefreshContinuousAggregate(schema, found.Relation, floor, to), cancellationToken).ConfigureAwait(false);
                }

                return true;
            }

            if (to > found.Watermark)
            {
                await MaterializeAsync(connection, schema, found, rollup, to, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var watermark = Math.Max(found.Watermark, to);
            Log.RollupRefreshed(_store.Logger, schema, rollup.Field, watermark);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Materialises a plain-path rollup's buckets of [watermark, <paramref name="to"/>) and moves its watermark there.</summary>
    private static async ValueTask MaterializeAsync(NpgsqlConnection connection, string schema, RegistryRow row, RollupDefinition rollup, long to, CancellationToken cancellationToken)
    {
        await using (var materialize = RawCommand(connection, RollupSql.Materialize(schema, row.Relation, rollup), rollup, row.Watermark, to))
        {
            materialize.CommandTimeout = 0;
            await materialize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var move = new NpgsqlCommand(RollupSql.SetWatermark(schema), connection);
        move.Parameters.AddWithValue("id", row.Id);
        move.Parameters.AddWithValue("watermark", to);
        await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<RegistryRow?> FindAsync(NpgsqlConnection connection, string schema, RollupDefinition rollup, string lockClause, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, RollupSql.Find(schema, lockClause), rollup);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new RegistryRow(reader.GetInt64(0), rollup.Field.Device, rollup.Field.Field, rollup.PeriodNanoseconds, reader.GetString(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetInt64(4))
            : null;
    }

    private static async Task<List<RegistryRow>> ListAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken, string lockClause = "")
    {
        var rows = new List<RegistryRow>();
        await using var check = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
        check.Parameters.AddWithValue("name", PostgresSql.Quote(schema) + ".cohort_rollups");
        if (!(bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            return rows;
        }

        await using var command = new NpgsqlCommand(RollupSql.List(schema, lockClause), connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new RegistryRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt64(5), reader.GetBoolean(6), reader.GetInt64(7)));
        }

        return rows;
    }

    private static async Task<List<RollupBucket>> ReadBucketsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var buckets = new List<RollupBucket>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var count = reader.GetInt64(1);
            var sum = reader.GetDouble(2);
            buckets.Add(new RollupBucket(reader.GetInt64(0), count, sum, reader.GetDouble(3), reader.GetDouble(4), sum / count, reader.GetDouble(5), reader.GetDouble(6)));
        }

        return buckets;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, RollupDefinition rollup)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("measurement", rollup.Field.Device);
        command.Parameters.AddWithValue("field", rollup.Field.Field);
        if (sql.Contains("@period", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("period", rollup.PeriodNanoseconds);
        }

        return command;
    }

    private static NpgsqlCommand RawCommand(NpgsqlConnection connection, string sql, RollupDefinition rollup, long from, long to)
    {
        var command = Command(connection, sql, rollup);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        return command;
    }

    private static async ValueTask Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private readonly record struct RegistryRow(long Id, string Measurement, string Field, long Period, string Relation, long Watermark, bool Timescale, long DeletedBefore = long.MinValue);
}
