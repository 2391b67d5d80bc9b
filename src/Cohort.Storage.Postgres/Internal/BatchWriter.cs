using System.Collections.Immutable;
using System.Globalization;
using Cohort.Core;
using Npgsql;
using NpgsqlTypes;

namespace Cohort.Storage.Postgres.Internal;

/// <summary>
/// Writes one batch inside the caller's transaction: series and field ids upserted set-based, kinds checked row by row,
/// the accepted rows (last write of a key wins) copied in binary into a staging table, then one
/// <c>INSERT … SELECT … ON CONFLICT DO UPDATE</c>.
/// </summary>
internal sealed class BatchWriter(NpgsqlConnection connection, string schema, PointBatch batch, int copySize)
{
    private readonly string _s = PostgresSql.Quote(schema);

    public async ValueTask<WriteResult> WriteAsync(CancellationToken cancellationToken)
    {
        var rows = batch.ValueCount;
        var seriesIds = batch.SeriesIds.ToArray();
        var fieldIds = batch.FieldIds.ToArray();
        var kinds = batch.Kinds.ToArray();
        var raw = batch.RawValues.ToArray();
        var timestamps = batch.Timestamps.ToArray();

        // Series: every series of the batch, by the batch's own series id.
        var seriesMeasurement = new string[batch.SeriesCount];
        var seriesTags = new string[batch.SeriesCount];
        var seriesJson = new string[batch.SeriesCount];
        for (var i = 0; i < batch.SeriesCount; i++)
        {
            var key = batch.GetSeries(i);
            seriesMeasurement[i] = key.Measurement;
            seriesTags[i] = key.Tags.ToCanonicalString();
            seriesJson[i] = SeriesText.Json(key.Tags);
        }

        // Fields: (measurement, field) pairs of the finite rows, with the kind of their first finite value.
        var fieldIndex = new Dictionary<(string Measurement, string Field), int>();
        var fieldMeasurement = new List<string>();
        var fieldKey = new List<string>();
        var fieldKind = new List<short>();
        var rowField = new int[rows];
        for (var row = 0; row < rows; row++)
        {
            rowField[row] = -1;
            if (kinds[row] == FieldKind.Double && !double.IsFinite(BitConverter.Int64BitsToDouble(raw[row])))
            {
                continue;
            }

            var pair = (seriesMeasurement[seriesIds[row]], batch.GetFieldKey(fieldIds[row]));
            if (!fieldIndex.TryGetValue(pair, out var index))
            {
                index = fieldMeasurement.Count;
                fieldIndex[pair] = index;
                fieldMeasurement.Add(pair.Item1);
                fieldKey.Add(pair.Item2);
                fieldKind.Add((short)kinds[row]);
            }

            rowField[row] = index;
        }

        var dbSeries = await UpsertAsync(
            $"INSERT INTO {_s}.series (measurement, tags_text, tags) SELECT m, t, j::jsonb FROM unnest(@a, @b, @c) AS u(m, t, j) ORDER BY m, t ON CONFLICT (measurement, tags_text) DO NOTHING",
            $"SELECT u.ord, s.id, 0::smallint FROM unnest(@a, @b) WITH ORDINALITY AS u(m, t, ord) JOIN {_s}.series s ON s.measurement = u.m AND s.tags_text = u.t",
            seriesMeasurement, seriesTags, seriesJson, null, cancellationToken).ConfigureAwait(false);
        var dbFields = fieldMeasurement.Count == 0
            ? []
            : await UpsertAsync(
                $"INSERT INTO {_s}.fields (measurement, field, kind) SELECT m, f, k FROM unnest(@a, @b, @k) AS u(m, f, k) ORDER BY m, f ON CONFLICT (measurement, field) DO NOTHING",
                $"SELECT u.ord, f.id, f.kind FROM unnest(@a, @b) WITH ORDINALITY AS u(m, f, ord) JOIN {_s}.fields f ON f.measurement = u.m AND f.field = u.f",
                [.. fieldMeasurement], [.. fieldKey], null, [.. fieldKind], cancellationToken).ConfigureAwait(false);

        // Rejections, and the last accepted row of every (series, time, field) key.
        var rejections = ImmutableArray.CreateBuilder<Rejection>();
        var winners = new Dictionary<(long Series, long Time, int Field), int>();
        var written = 0;
        for (var row = 0; row < rows; row++)
        {
            var key = batch.GetFieldKey(fieldIds[row]);
            if (rowField[row] < 0)
            {
                rejections.Add(new Rejection($"The value of field '{key}' is not a finite number (NaN and infinities cannot be stored).") { Index = row, Field = key });
                continue;
            }

            var (fieldId, storedKind) = dbFields[rowField[row]];
            if (storedKind != (short)kinds[row])
            {
                rejections.Add(new Rejection(string.Create(CultureInfo.InvariantCulture,
                    $"Field '{key}' of measurement '{seriesMeasurement[seriesIds[row]]}' holds {(FieldKind)storedKind} values; a {kinds[row]} value cannot be stored."))
                {
                    Index = row,
                    Field = key,
                });
                continue;
            }

            winners[(dbSeries[seriesIds[row]].Id, timestamps[row], (int)fieldId)] = row;
            written++;
        }

        if (winners.Count > 0)
        {
            await StageAndUpsertAsync(winners, cancellationToken).ConfigureAwait(false);
        }

        return new WriteResult(written, rejections.ToImmutable());
    }

    private async ValueTask StageAndUpsertAsync(Dictionary<(long Series, long Time, int Field), int> winners, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE IF NOT EXISTS cohort_staging (series_id bigint, time bigint, field_id integer, kind smallint, v_double double precision, v_int bigint, v_bool boolean, v_text text) ON COMMIT DELETE ROWS",
            connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var ordered = winners.OrderBy(static w => w.Key).ToList();
        for (var offset = 0; offset < ordered.Count; offset += copySize)
        {
            await using var importer = await connection.BeginBinaryImportAsync(
                "COPY pg_temp.cohort_staging (series_id, time, field_id, kind, v_double, v_int, v_bool, v_text) FROM STDIN (FORMAT BINARY)",
                cancellationToken).ConfigureAwait(false);
            foreach (var ((series, time, field), row) in ordered.Skip(offset).Take(copySize))
            {
                var kind = batch.Kinds[row];
                var bits = batch.RawValues[row];
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(series, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(time, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(field, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync((short)kind, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                if (kind == FieldKind.Double)
                {
                    await importer.WriteAsync(BitConverter.Int64BitsToDouble(bits), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                if (kind is FieldKind.Int64 or FieldKind.UInt64)
                {
                    // UInt64 keeps its 64 bits in the bigint; the kind column says how to read it back.
                    await importer.WriteAsync(bits, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                if (kind == FieldKind.Boolean)
                {
                    await importer.WriteAsync(batch.GetValue(row).AsBoolean(), NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                if (kind == FieldKind.String)
                {
                    await importer.WriteAsync(batch.GetValue(row).AsString(), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var upsert = new NpgsqlCommand(
            $"INSERT INTO {_s}.points (series_id, time, field_id, kind, v_double, v_int, v_bool, v_text) " +
            "SELECT series_id, time, field_id, kind, v_double, v_int, v_bool, v_text FROM pg_temp.cohort_staging ORDER BY series_id, time, field_id " +
            "ON CONFLICT (series_id, time, field_id) DO UPDATE SET kind = excluded.kind, v_double = excluded.v_double, v_int = excluded.v_int, v_bool = excluded.v_bool, v_text = excluded.v_text",
            connection);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts missing keys, then reads every key's id (and kind) back, indexed like the input arrays.</summary>
    private async ValueTask<(long Id, short Kind)[]> UpsertAsync(
        string insert, string select, string[] a, string[] b, string[]? json, short[]? kinds, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand(insert, connection))
        {
            command.Parameters.AddWithValue("a", a);
            command.Parameters.AddWithValue("b", b);
            if (json is not null)
            {
                command.Parameters.AddWithValue("c", json);
            }

            if (kinds is not null)
            {
                command.Parameters.AddWithValue("k", kinds);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var result = new (long Id, short Kind)[a.Length];
        await using (var command = new NpgsqlCommand(select, connection))
        {
            command.Parameters.AddWithValue("a", a);
            command.Parameters.AddWithValue("b", b);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result[reader.GetInt64(0) - 1] = (Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), reader.GetInt16(2));
            }
        }

        return result;
    }
}
