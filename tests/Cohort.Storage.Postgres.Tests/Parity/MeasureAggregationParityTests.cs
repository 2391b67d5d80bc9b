using Cohort.Aggregation;
using Cohort.Testing.Servers;
using Npgsql;

namespace Cohort.Storage.Postgres.Tests.Parity;

/// <summary>
/// Cohort's <see cref="MeasureAggregator"/> against DACC's aggregation in SQL on the real PostgreSQL 15 server: the
/// same raw measures, loaded into a table and aggregated with <c>count</c>, <c>count(nullif(value, 0))</c>,
/// <c>sum</c>, <c>min</c>, <c>max</c>, <c>avg</c>, <c>stddev_samp</c> and <c>percentile_cont(0.25 / 0.5 / 0.75)</c>
/// grouped by period bucket, createdBy and groups, give the same aggregates (counts, min and max exactly; the rest to
/// 1e-12 relative).
/// </summary>
public sealed class MeasureAggregationParityTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<AggregationPeriod, int, int> Shapes => new()
    {
        { AggregationPeriod.Hour, 0, 1 },
        { AggregationPeriod.Day, 1, 2 },
        { AggregationPeriod.Week, 2, 3 },
        { AggregationPeriod.Month, 3, 4 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Cohort_aggregates_equal_PostgreSQLs_group_by_with_percentile_cont(AggregationPeriod period, int groups, int seed)
    {
        var definition = Definition("m", period, groups, threshold: 1);
        var measures = RandomMeasures("m", groups, seed, 3_000);
        var engine = new MeasureAggregator(new MeasureDefinitionSet([definition]));
        Assert.True(engine.AddRange(measures).IsComplete);
        engine.Aggregate();
        var ours = engine.Query(new AggregateQuery("m", Start, Start.AddYears(1)) { Organisation = "cohort" });

        await using var connection = await LoadAsync(measures);
        var sql = await DaccSql.QueryAsync(connection, "m", PeriodName(period), Start, Start.AddYears(1));
        AssertSame(sql, ours);
    }

    [Fact]
    public async Task Merging_new_measures_into_existing_aggregates_matches_SQL_over_all_of_them()
    {
        var definition = Definition("m", AggregationPeriod.Day, 2, threshold: 1);
        var measures = RandomMeasures("m", 2, seed: 11, count: 2_000);
        var engine = new MeasureAggregator(new MeasureDefinitionSet([definition]));
        foreach (var chunk in measures.Chunk(333))
        {
            Assert.True(engine.AddRange(chunk).IsComplete);
            engine.Aggregate(); // incremental: each chunk merges into the states of the previous ones
        }

        await using var connection = await LoadAsync(measures);
        AssertSame(
            await DaccSql.QueryAsync(connection, "m", "day", Start, Start.AddYears(1)),
            engine.Query(new AggregateQuery("m", Start, Start.AddYears(1)) { Organisation = "cohort" }));
    }

    [Fact]
    public async Task Thresholds_bounds_and_wildcards_match_SQL_with_having_where_and_fewer_group_columns()
    {
        var definition = Definition("m", AggregationPeriod.Day, 2, threshold: 5);
        var measures = RandomMeasures("m", 2, seed: 5, count: 2_500);
        var engine = new MeasureAggregator(new MeasureDefinitionSet([definition]));
        Assert.True(engine.AddRange(measures).IsComplete);
        engine.Aggregate();

        // The wildcard on group 2 is the same rows with group 2 left out of the GROUP BY.
        var wildcard = measures.Select(m => m with { MeasureName = "wild", Group2 = null });
        await using var connection = await LoadAsync([.. measures, .. wildcard]);
        var (from, to) = (Start.AddDays(3), Start.AddDays(20));
        AssertSame(
            [.. (await DaccSql.QueryAsync(connection, "m", "day", from, to)).Where(r => r.Count >= 5)],
            engine.Query(new AggregateQuery("m", from, to) { Organisation = "cohort" }));

        var ours = engine.Query(new AggregateQuery("m", from, to) { Organisation = "cohort", WildcardGroups = [2] });
        Assert.All(ours, r => Assert.Equal(MeasureGroup.Wildcard, r.Group2!.Value.Value));
        AssertSame(
            [.. (await DaccSql.QueryAsync(connection, "wild", "day", from, to)).Where(r => r.Count >= 5)],
            [.. ours.Select(r => r with { Group2 = null })]);
    }

    private static MeasureDefinition Definition(string name, AggregationPeriod period, int groups, int threshold) => new(name)
    {
        Org = "cohort",
        AggregationPeriod = period,
        Group1Key = groups >= 1 ? "device" : null,
        Group2Key = groups >= 2 ? "app" : null,
        Group3Key = groups >= 3 ? "os" : null,
        AggregationThreshold = threshold,
        Statistics = MeasureStatistics.Basic | MeasureStatistics.Quartiles,
    };

    /// <summary>Values with two decimals (DACC's numeric(12,2)), many zeros and ties, over 60 days, groups of any size.</summary>
    private static List<RawMeasure> RandomMeasures(string name, int groups, int seed, int count)
    {
        var random = new Random(seed);
        var measures = new List<RawMeasure>(count);
        for (var i = 0; i < count; i++)
        {
            var value = random.Next(4) == 0 ? 0 : Math.Round((random.NextDouble() * 2000) - 400, 2);
            if (random.Next(5) == 0)
            {
                value = random.Next(-3, 4);
            }

            measures.Add(new RawMeasure(name, value, Start.AddMinutes(random.Next(60 * 24 * 60)), "app" + random.Next(3))
            {
                Group1 = groups >= 1 ? new MeasureGroup("device", "d" + random.Next(4)) : null,
                Group2 = groups >= 2 ? new MeasureGroup("app", "a" + random.Next(3)) : null,
                Group3 = groups >= 3 ? new MeasureGroup("os", random.Next(2) == 0 ? "ios" : "android") : null,
            });
        }

        return measures;
    }

    private async Task<NpgsqlConnection> LoadAsync(IEnumerable<RawMeasure> measures)
    {
        var connection = new NpgsqlConnection(await pg.CreateUniqueDatabaseAsync("dacc"));
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(DaccSql.CreateTable, connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await DaccSql.LoadAsync(connection, measures);
        return connection;
    }

    private static string PeriodName(AggregationPeriod period) => period switch
    {
        AggregationPeriod.Hour => "hour",
        AggregationPeriod.Day => "day",
        AggregationPeriod.Week => "week",
        _ => "month",
    };

    private static void AssertSame(IReadOnlyList<SqlAggregate> sql, IReadOnlyList<AggregateResult> ours)
    {
        static string Key(DateTimeOffset bucket, string createdBy, string? g1, string? g2, string? g3) =>
            string.Join('|', bucket.UtcTicks, createdBy, g1, g2, g3);

        Assert.NotEmpty(sql);
        var expected = sql.ToDictionary(r => Key(r.Bucket, r.CreatedBy, r.Group1, r.Group2, r.Group3), StringComparer.Ordinal);
        var actual = ours.ToDictionary(r => Key(r.StartDate, r.CreatedBy, r.Group1?.Value, r.Group2?.Value, r.Group3?.Value), StringComparer.Ordinal);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, e) in expected)
        {
            var a = actual[key];
            var same = e.Count == a.Count && e.CountNotZero == a.CountNotZero && e.Min == a.Min && e.Max == a.Max &&
                       Close(e.Sum, a.Sum) && Close(e.Avg, a.Avg) && Close(e.Std, a.Std) &&
                       Close(e.FirstQuartile, a.FirstQuartile) && Close(e.Median, a.Median) && Close(e.ThirdQuartile, a.ThirdQuartile);
            Assert.True(same, $"{key}: SQL {e}, Cohort {a}");
        }
    }

    private static bool Close(double expected, double? actual) =>
        actual is { } x && (x == expected || Math.Abs(x - expected) <= (1e-12 * Math.Max(Math.Abs(x), Math.Abs(expected))) + 1e-9);
}
