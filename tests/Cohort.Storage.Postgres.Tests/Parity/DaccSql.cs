using Cohort.Aggregation;
using Npgsql;
using NpgsqlTypes;

namespace Cohort.Storage.Postgres.Tests.Parity;

/// <summary>
/// DACC's aggregation as SQL, for the parity tests and the aggregation benchmark (linked into the benchmark project):
/// a raw measures table, a binary COPY loader, and the <c>GROUP BY</c> of DACC's aggregation query (count, count of
/// non-zero values, sum, min, max, avg, sample std, <c>percentile_cont</c> 0.25 / 0.5 / 0.75) per UTC period bucket,
/// createdBy and groups.
/// </summary>
internal static class DaccSql
{
    /// <summary>Creates the raw measures table (DACC's columns; the value as double precision, as Cohort keeps it).</summary>
    public const string CreateTable =
        "CREATE TABLE IF NOT EXISTS raw_measures (measure_name text NOT NULL, value double precision NOT NULL, start_date timestamptz NOT NULL, " +
        "created_by text NOT NULL, group1 text, group2 text, group3 text)";

    /// <summary>
    /// The aggregates of one measure over [@start, @end), per <c>date_trunc(@period, start_date AT TIME ZONE 'UTC')</c>,
    /// createdBy and groups, ordered like Cohort's query results; <c>@period</c> is <c>hour</c>, <c>day</c>,
    /// <c>week</c> or <c>month</c>.
    /// </summary>
    public const string Aggregate =
        "SELECT date_trunc(@period, start_date AT TIME ZONE 'UTC') AS bucket, created_by, group1, group2, group3, " +
        "count(*), count(nullif(value, 0)), sum(value), min(value), max(value), avg(value), coalesce(stddev_samp(value), 0), " +
        "percentile_cont(0.25) WITHIN GROUP (ORDER BY value), percentile_cont(0.5) WITHIN GROUP (ORDER BY value), " +
        "percentile_cont(0.75) WITHIN GROUP (ORDER BY value) " +
        "FROM raw_measures WHERE measure_name = @measure AND start_date >= @start AND start_date < @end " +
        "GROUP BY 1, 2, 3, 4, 5 ORDER BY bucket, created_by COLLATE \"C\", group1 COLLATE \"C\", group2 COLLATE \"C\", group3 COLLATE \"C\"";

    /// <summary>Loads raw measures with one binary COPY (group values as text, the group keys are the definition's).</summary>
    public static async Task LoadAsync(NpgsqlConnection connection, IEnumerable<RawMeasure> measures, CancellationToken cancellationToken = default)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY raw_measures (measure_name, value, start_date, created_by, group1, group2, group3) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var m in measures)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(m.MeasureName, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(m.Value, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(m.StartDate.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
            await importer.WriteAsync(m.CreatedBy, NpgsqlDbType.Text, cancellationToken);
            await WriteGroupAsync(importer, m.Group1, cancellationToken);
            await WriteGroupAsync(importer, m.Group2, cancellationToken);
            await WriteGroupAsync(importer, m.Group3, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>Runs <see cref="Aggregate"/> and reads every row.</summary>
    public static async Task<List<SqlAggregate>> QueryAsync(NpgsqlConnection connection, string measure, string period, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(Aggregate, connection) { CommandTimeout = 600 };
        command.Parameters.AddWithValue("period", period);
        command.Parameters.AddWithValue("measure", measure);
        command.Parameters.AddWithValue("start", start.UtcDateTime);
        command.Parameters.AddWithValue("end", end.UtcDateTime);
        var rows = new List<SqlAggregate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SqlAggregate(
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetDouble(9), reader.GetDouble(10),
                reader.GetDouble(11), reader.GetDouble(12), reader.GetDouble(13), reader.GetDouble(14)));
        }

        return rows;
    }

    private static async Task WriteGroupAsync(NpgsqlBinaryImporter importer, MeasureGroup? group, CancellationToken cancellationToken)
    {
        if (group is { } g)
        {
            await importer.WriteAsync(g.Value, NpgsqlDbType.Text, cancellationToken);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken);
        }
    }
}

/// <summary>One row of <see cref="DaccSql.Aggregate"/>.</summary>
internal sealed record SqlAggregate(
    DateTimeOffset Bucket, string CreatedBy, string? Group1, string? Group2, string? Group3,
    long Count, long CountNotZero, double Sum, double Min, double Max, double Avg, double Std,
    double FirstQuartile, double Median, double ThirdQuartile);
