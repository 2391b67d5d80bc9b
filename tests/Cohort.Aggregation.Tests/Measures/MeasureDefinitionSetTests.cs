using Cohort.Aggregation;

namespace Cohort.Aggregation.Tests.Measures;

public class MeasureDefinitionSetTests
{
    private const string DaccExample = """
        {
          "definitions": [
            {
              "id": 1,
              "name": "average-operation-amount",
              "org": "myorg",
              "accessApp": false,
              "accessPublic": false,
              "aggregationThreshold": 50,
              "createdBy": "mybankapp",
              "executionFrequency": "month",
              "aggregationPeriod": "month",
              "group1Key": "category",
              "description": "Average value of banking operations, grouped by category"
            }
          ]
        }
        """;

    [Fact]
    public void Loads_a_DACC_definition_file()
    {
        var set = MeasureDefinitionSet.Parse(DaccExample);

        var d = Assert.Single(set);
        Assert.Equal("average-operation-amount", d.Name);
        Assert.Equal("myorg", d.Org);
        Assert.Equal("mybankapp", d.CreatedBy);
        Assert.Equal(AggregationPeriod.Month, d.AggregationPeriod);
        Assert.Equal(50, d.AggregationThreshold);
        Assert.Equal("category", d.Group1Key);
        Assert.Null(d.Group2Key);
        Assert.False(d.AccessApp);
        Assert.Equal(MeasureStatistics.Basic, d.Statistics);
        Assert.Same(d, set.Find("average-operation-amount"));
    }

    [Fact]
    public void Applies_the_defaults_of_DACC_to_a_minimal_definition()
    {
        var d = Assert.Single(MeasureDefinitionSet.Parse("""[{"name": "m"}]"""));

        Assert.Equal(MeasureDefinition.DefaultThreshold, d.AggregationThreshold);
        Assert.Equal(AggregationPeriod.Day, d.AggregationPeriod);
        Assert.Equal(90, d.RawRetentionDays);
        Assert.Equal(100, d.MaxDaysToUpdateQuartile);
        Assert.Null(d.TimeZone);
        Assert.False(d.HasQuantiles);
    }

    [Fact]
    public void With_quartiles_adds_median_and_quartiles_to_the_statistics()
    {
        var d = Assert.Single(MeasureDefinitionSet.Parse("""[{"name": "m", "withQuartiles": true, "percentiles": [0.9]}]"""));

        Assert.Equal(MeasureStatistics.Basic | MeasureStatistics.Quartiles, d.Statistics);
        Assert.Equal([0.9], d.Percentiles.ToArray());
        Assert.True(d.HasQuantiles);
    }

    [Fact]
    public void Statistics_list_selects_what_is_released()
    {
        var d = Assert.Single(MeasureDefinitionSet.Parse("""[{"name": "m", "statistics": ["count", "sum", "median"]}]"""));

        Assert.Equal(MeasureStatistics.Count | MeasureStatistics.Sum | MeasureStatistics.Median, d.Statistics);
    }

    [Theory]
    [InlineData("""[{"name": "m", "aggregationPeriod": "fortnight"}]""", "$[0].aggregationPeriod")]
    [InlineData("""[{"name": "m", "aggregationPeriod": "1"}]""", "$[0].aggregationPeriod")]
    [InlineData("""[{"name": "m", "aggregationThreshold": "five"}]""", "$[0].aggregationThreshold")]
    [InlineData("""[{"name": "m", "aggregationThreshold": 0}]""", "$[0].aggregationThreshold")]
    [InlineData("""[{"name": "m", "aggregationThreshold": 2.5}]""", "$[0].aggregationThreshold")]
    [InlineData("""[{"name": "m", "colour": "blue"}]""", "$[0].colour")]
    [InlineData("""[{"name": "m", "group2Key": "b"}]""", "$[0].group2Key")]
    [InlineData("""[{"name": "m", "group1Key": "a", "group3Key": "c"}]""", "$[0].group3Key")]
    [InlineData("""[{"name": "m", "group1Key": ""}]""", "$[0].group1Key")]
    [InlineData("""[{"name": "m", "timeZone": "Mars/Olympus_Mons"}]""", "$[0].timeZone")]
    [InlineData("""[{"name": "m", "accessPublic": "yes"}]""", "$[0].accessPublic")]
    [InlineData("""[{"name": "m", "accessOrgs": ["a", 3]}]""", "$[0].accessOrgs")]
    [InlineData("""[{"name": "m", "statistics": ["count", "mode"]}]""", "$[0].statistics[1]")]
    [InlineData("""[{"name": "m", "percentiles": [1.5]}]""", "$[0].percentiles")]
    [InlineData("""[{"name": "m", "quantileMode": "approximate"}]""", "$[0].quantileMode")]
    [InlineData("""[{"name": "m", "sketchRelativeAccuracy": 0}]""", "$[0].sketchRelativeAccuracy")]
    [InlineData("""[{"name": "m", "rawRetentionDays": 0}]""", "$[0].rawRetentionDays")]
    [InlineData("""[{"name": "m", "maxDaysToUpdateQuartile": -1}]""", "$[0].maxDaysToUpdateQuartile")]
    [InlineData("""[{"name": ""}]""", "$[0].name")]
    [InlineData("""[{"org": "o"}]""", "$[0].name")]
    [InlineData("""[{"name": 3}]""", "$[0].name")]
    [InlineData("""[{"name": "m"}, {"name": "m"}]""", "$[1].name")]
    [InlineData("""[{"name": "m", "privacy": {"epsilon": 1, "lowerBound": 0}}]""", "$[0].privacy.upperBound")]
    [InlineData("""[{"name": "m", "privacy": {"epsilon": 0, "lowerBound": 0, "upperBound": 1}}]""", "$[0].privacy.epsilon")]
    [InlineData("""[{"name": "m", "privacy": {"epsilon": 1, "lowerBound": 5, "upperBound": 1}}]""", "$[0].privacy.upperBound")]
    [InlineData("""[{"name": "m", "privacy": {"mechanism": "gaussian", "epsilon": 2, "lowerBound": 0, "upperBound": 1}}]""", "$[0].privacy.epsilon")]
    [InlineData("""[{"name": "m", "privacy": {"mechanism": "gaussian", "epsilon": 0.5, "delta": 0, "lowerBound": 0, "upperBound": 1}}]""", "$[0].privacy.delta")]
    [InlineData("""[{"name": "m", "privacy": {"epsilon": 2, "lowerBound": 0, "upperBound": 1, "budget": 1}}]""", "$[0].privacy.budget")]
    [InlineData("""[{"name": "m", "privacy": {"mechanism": "exponential", "epsilon": 1, "lowerBound": 0, "upperBound": 1}}]""", "$[0].privacy.mechanism")]
    [InlineData("""{"definitions": [{"name": "m", "org": 7}]}""", "definitions[0].org")]
    [InlineData("""{"definitions": [], "extra": 1}""", "extra")]
    [InlineData("""{"measures": []}""", "definitions")]
    public void Rejects_an_invalid_definition_naming_the_bad_property(string json, string property)
    {
        var e = Assert.Throws<MeasureDefinitionException>(() => MeasureDefinitionSet.Parse(json));

        Assert.Contains(e.Errors, r => r.Field == property);
        Assert.Contains(property, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_bad_property_at_once()
    {
        var e = Assert.Throws<MeasureDefinitionException>(() => MeasureDefinitionSet.Parse(
            """[{"name": "a", "aggregationThreshold": -1}, {"name": "b", "aggregationPeriod": "year"}]"""));

        Assert.Equal(["$[0].aggregationThreshold", "$[1].aggregationPeriod"], e.Errors.Select(r => r.Field));
        Assert.Equal("$[0].aggregationThreshold", e.Property);
    }

    [Fact]
    public void Rejects_malformed_JSON_with_its_line()
    {
        var e = Assert.Throws<MeasureDefinitionException>(() => MeasureDefinitionSet.Parse("[\n{\"name\": \"m\",,}]"));

        Assert.Equal(2, e.Errors[0].Line);
    }

    [Fact]
    public void Validates_definitions_built_in_code()
    {
        var e = Assert.Throws<MeasureDefinitionException>(() => new MeasureDefinitionSet([new MeasureDefinition("m") { Group3Key = "c", Group1Key = "a" }]));

        Assert.Equal("definitions[0].group3Key", e.Property);
    }

    [Fact]
    public async Task Loads_definitions_from_a_stream()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(DaccExample));

        var set = await MeasureDefinitionSet.LoadAsync(stream);

        Assert.Single(set);
    }

    [Theory]
    [InlineData(true, true, "stranger", true)]
    [InlineData(true, true, null, true)]
    [InlineData(true, false, "owner", true)]
    [InlineData(true, false, "friend", true)]
    [InlineData(true, false, "stranger", false)]
    [InlineData(true, false, null, false)]
    [InlineData(false, true, "owner", false)]
    [InlineData(false, false, "friend", false)]
    public void Access_policy_decides_which_organisations_may_read(bool accessApp, bool accessPublic, string? organisation, bool expected)
    {
        var d = new MeasureDefinition("m") { Org = "owner", AccessApp = accessApp, AccessPublic = accessPublic, AccessOrgs = ["friend"] };

        Assert.Equal(expected, d.IsReadableBy(organisation));
    }
}
