using Cohort.Aggregation;

namespace Cohort.Aggregation.Tests.Measures;

public class RawMeasureJsonTests
{
    private static readonly MeasureDefinitionSet Definitions = new(
    [
        new MeasureDefinition("konnector-event-daily") { Group1Key = "slug", Group2Key = "event_type", Group3Key = "status" },
        new MeasureDefinition("connection-count-daily") { Group1Key = "device" },
        new MeasureDefinition("paris-daily") { TimeZone = "Europe/Paris" },
    ]);

    [Fact]
    public void Reads_a_valid_raw_measure()
    {
        var result = RawMeasureJson.Parse(
            """{"measureName": "konnector-event-daily", "value": 1.5, "startDate": "2021-05-01", "createdBy": "ecolyo", "group1": {"slug": "enedis"}, "group2": {"event_type": "connexion"}, "group3": {"status": 2}}""",
            Definitions);

        Assert.True(result.IsValid);
        Assert.Equal(RawMeasureError.None, result.Error);
        var m = result.Measure;
        Assert.Equal(1.5, m.Value);
        Assert.Equal(new DateTimeOffset(2021, 5, 1, 0, 0, 0, TimeSpan.Zero), m.StartDate);
        Assert.Equal("ecolyo", m.CreatedBy);
        Assert.Equal(new MeasureGroup("slug", "enedis"), m.Group1);
        Assert.Equal(new MeasureGroup("status", "2"), m.Group3);
    }

    [Theory]
    [InlineData("{", RawMeasureError.MalformedJson, null)]
    [InlineData("[1]", RawMeasureError.NotAnObject, null)]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {"device": "m"}} x""", RawMeasureError.MalformedJson, null)]
    [InlineData("""{"value": 1, "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.MissingMeasureName, "measureName")]
    [InlineData("""{"measureName": null, "value": 1, "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.MissingMeasureName, "measureName")]
    [InlineData("""{"measureName": "nope", "value": 1, "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.UnknownMeasure, "measureName")]
    [InlineData("""{"measureName": "paris-daily", "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.MissingValue, "value")]
    [InlineData("""{"measureName": "paris-daily", "value": null, "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.MissingValue, "value")]
    [InlineData("""{"measureName": "paris-daily", "value": "12", "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.InvalidValue, "value")]
    [InlineData("""{"measureName": "paris-daily", "value": 1e999, "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.InvalidValue, "value")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": "yesterday", "createdBy": "a"}""", RawMeasureError.InvalidStartDate, "startDate")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": "2021-13-01", "createdBy": "a"}""", RawMeasureError.InvalidStartDate, "startDate")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": 20210501, "createdBy": "a"}""", RawMeasureError.InvalidStartDate, "startDate")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "createdBy": "a"}""", RawMeasureError.InvalidStartDate, "startDate")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": "2021-05-01"}""", RawMeasureError.MissingCreatedBy, "createdBy")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "colour": 1}""", RawMeasureError.UnknownProperty, "colour")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "aggregationPeriod": "month"}""", RawMeasureError.PeriodMismatch, "aggregationPeriod")]
    [InlineData("""{"measureName": "paris-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {"x": 1}}""", RawMeasureError.UndefinedGroup, "group1")]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a"}""", RawMeasureError.MissingGroup, "group1")]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {"os": "android"}}""", RawMeasureError.GroupKeyMismatch, "group1")]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": "mobile"}""", RawMeasureError.InvalidGroup, "group1")]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {}}""", RawMeasureError.InvalidGroup, "group1")]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {"device": "m", "os": "x"}}""", RawMeasureError.InvalidGroup, "group1")]
    [InlineData("""{"measureName": "connection-count-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {"device": null}}""", RawMeasureError.InvalidGroup, "group1")]
    [InlineData("""{"measureName": "konnector-event-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group2": {"event_type": "c"}}""", RawMeasureError.GroupOutOfOrder, "group2")]
    [InlineData("""{"measureName": "konnector-event-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a", "group1": {"slug": "e"}, "group3": {"status": "ok"}}""", RawMeasureError.GroupOutOfOrder, "group3")]
    public void Every_bad_input_is_a_typed_client_error_naming_its_property(string json, RawMeasureError error, string? property)
    {
        var result = RawMeasureJson.Parse(json, Definitions);

        Assert.False(result.IsValid);
        Assert.Equal(error, result.Error);
        Assert.Equal(property, result.Rejection.Field);
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection.Reason));
    }

    [Theory]
    [InlineData("2021-05-01", "2021-04-30T22:00:00Z")]
    [InlineData("2021-05-01T10:15:00", "2021-05-01T08:15:00Z")]
    [InlineData("2021-05-01T10:15:00.5Z", "2021-05-01T10:15:00.5Z")]
    [InlineData("2021-05-01T10:15:00+05:00", "2021-05-01T05:15:00Z")]
    [InlineData("2021-01-01 00:00:00", "2020-12-31T23:00:00Z")]
    public void Reads_dates_without_offset_in_the_measure_time_zone(string text, string expectedUtc)
    {
        var result = RawMeasureJson.Parse($$"""{"measureName": "paris-daily", "value": 1, "startDate": "{{text}}", "createdBy": "a"}""", Definitions);

        Assert.True(result.IsValid, result.Rejection?.Reason);
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), result.Measure.StartDate);
    }

    [Fact]
    public async Task Json_lines_report_rejections_by_line_and_keep_the_valid_measures()
    {
        var text = string.Join('\n',
            """{"measureName": "paris-daily", "value": 1, "startDate": "2021-05-01", "createdBy": "a"}""",
            "",
            """{"measureName": "paris-daily", "value": null, "startDate": "2021-05-01", "createdBy": "a"}""",
            "not json",
            """{"measureName": "paris-daily", "value": 3, "startDate": "2021-05-02", "createdBy": "a"}""");

        var results = new List<RawMeasureResult>();
        await foreach (var r in RawMeasureJson.ReadLinesAsync(new StringReader(text), Definitions))
        {
            results.Add(r);
        }

        Assert.Equal([1L, 3L, 4L, 5L], results.Select(r => r.Line!.Value));
        Assert.Equal([true, false, false, true], results.Select(r => r.IsValid));
        Assert.Equal(3, results[1].Rejection!.Line);
        Assert.Equal(RawMeasureError.MissingValue, results[1].Error);
        Assert.Equal(RawMeasureError.MalformedJson, results[2].Error);
        Assert.Equal("4: ", results[2].Rejection!.ToString()[..3]);
    }

    [Fact]
    public void Validates_raw_measures_built_in_code()
    {
        var bad = new RawMeasure("connection-count-daily", double.NaN, DateTimeOffset.UnixEpoch, "a") { Group1 = new MeasureGroup("device", "m") };
        var noGroup = new RawMeasure("connection-count-daily", 1, DateTimeOffset.UnixEpoch, "a");

        Assert.Equal(RawMeasureError.InvalidValue, Definitions.Validate(bad).Error);
        Assert.Equal(RawMeasureError.MissingGroup, Definitions.Validate(noGroup).Error);
        Assert.True(Definitions.Validate(bad with { Value = 2 }).IsValid);
    }
}
